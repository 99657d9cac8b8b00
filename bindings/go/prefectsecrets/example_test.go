package prefectsecrets_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/prefect-secrets/prefect-secrets/bindings/go/prefectsecrets"
)

func Example() {
	// Start from the configuration as the environment and ~/.prefect/config.toml give it,
	// and read secrets from the local context (Prefect's default).
	if err := prefectsecrets.ResetConfig(); err != nil {
		log.Fatal(err)
	}
	if err := prefectsecrets.SetUseLocalSecrets(true); err != nil {
		log.Fatal(err)
	}
	// Names are lowercase by convention: Prefect lowercases environment variables, so
	// PREFECT__CONTEXT__SECRETS__DB is the secret "db", never "DB".
	// prefect.context.secrets["db"] = '{"user": "svc", "port": 5432}'
	if err := prefectsecrets.ContextSet("db", `{"user": "svc", "port": 5432}`); err != nil {
		log.Fatal(err)
	}
	if err := prefectsecrets.ContextSet("token", "hunter2"); err != nil {
		log.Fatal(err)
	}

	for _, name := range []string{"token", "db", "missing"} {
		value, found, err := prefectsecrets.Get(name)
		switch {
		case err != nil:
			log.Fatal(err)
		case !found:
			fmt.Printf("%s: not set\n", name)
		default:
			fmt.Printf("%s: %s\n", name, value)
		}
	}

	// While a Flow is being built, secrets are refused.
	_ = prefectsecrets.SetFlowBuilding(true)
	_, _, err := prefectsecrets.Get("token")
	fmt.Println(errors.Is(err, prefectsecrets.ErrFlowBuilding))
	_ = prefectsecrets.ResetConfig()

	// Output:
	// token: hunter2
	// db: {"user":"svc","port":5432}
	// missing: not set
	// true
}

func ExampleGetJSON() {
	_ = prefectsecrets.ResetConfig()
	_ = prefectsecrets.SetUseLocalSecrets(true)
	_ = prefectsecrets.ContextSet("quoted", `"42"`) // json.loads gives the string "42"
	_ = prefectsecrets.ContextSet("number", "42")   // json.loads gives the int 42
	for _, name := range []string{"quoted", "number"} {
		text, _, _ := prefectsecrets.Get(name)
		js, _, _ := prefectsecrets.GetJSON(name)
		fmt.Printf("%s: Get %s, GetJSON %s\n", name, text, js)
	}
	_ = prefectsecrets.ResetConfig()
	// Output:
	// quoted: Get 42, GetJSON "42"
	// number: Get 42, GetJSON 42
}

func ExampleSetServerFlavor() {
	// Read Secret blocks from a Prefect 2/3 server instead of Prefect 0.5.3's GraphQL
	// API. PREFECT_API_URL, PREFECT_API_KEY and PREFECT_API_AUTH_STRING are used when
	// they are set; the setters override them.
	for _, err := range []error{
		prefectsecrets.SetUseLocalSecrets(false),
		prefectsecrets.SetServerFlavor(prefectsecrets.ServerPrefect3),
		prefectsecrets.SetAPIURL("http://127.0.0.1:4200/api"),
		prefectsecrets.SetAPIAuthString("admin:pass"), // Basic auth; or SetAPIKey for Prefect Cloud
		// Answer repeated gets of a name from memory for a minute.
		prefectsecrets.SetCacheTTL(time.Minute),
	} {
		if err != nil {
			log.Fatal(err)
		}
	}
	// A Secret block holding '{"user": "svc"}' (a string that is JSON) comes back
	// decoded, as Prefect 3's Secret.get() gives it: {"user":"svc"}.
	value, found, err := prefectsecrets.Get("db-credentials")
	switch {
	case errors.Is(err, prefectsecrets.ErrAuth):
		log.Fatal("the server refused the credentials: ", err)
	case err != nil:
		log.Fatal(err)
	case !found:
		log.Fatal("no Secret block named db-credentials")
	}
	fmt.Println(len(value))
}

func ExampleGetContext() {
	_ = prefectsecrets.ResetConfig()
	// What PREFECT__CONTEXT__SECRETS__DB_PASSWORD=hunter2 in the environment gives:
	// Prefect lowercases the name, so the secret is "db_password".
	_ = prefectsecrets.ContextSet("db_password", "hunter2")

	// A get bounded by a deadline: against a server that does not answer, it returns
	// context.DeadlineExceeded after 2s instead of waiting for the request timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	password, found, err := prefectsecrets.GetContext(ctx, "db_password")
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		log.Fatal("no answer within 2s")
	case err != nil:
		log.Fatal(err)
	case !found:
		log.Fatal("db_password is not set")
	}
	fmt.Println(len(password))
	_ = prefectsecrets.ResetConfig()
	// Output: 7
}

func ExampleGetMany() {
	_ = prefectsecrets.ResetConfig()
	_ = prefectsecrets.ContextSet("db", `{"user": "svc", "port": 5432}`)
	_ = prefectsecrets.ContextSet("token", "hunter2")

	// One library call for every name (with a Prefect 3 server, one request).
	results, err := prefectsecrets.GetMany([]string{"db", "token", "missing"})
	if err != nil {
		// Some name failed: err is the first failure (errors.Is works on it), and each
		// failed result has its own Err.
		log.Fatal(err)
	}
	for _, r := range results {
		if r.Found {
			fmt.Printf("%s: %s\n", r.Name, r.Value)
		} else {
			fmt.Printf("%s: not set\n", r.Name)
		}
	}
	_ = prefectsecrets.ResetConfig()
	// Output:
	// db: {"user":"svc","port":5432}
	// token: hunter2
	// missing: not set
}

func ExampleExplain() {
	// PREFECT__CONTEXT__SECRETS__DB_PASSWORD=... is the secret "db_password": Prefect
	// lowercases the names of environment variables, so "DB_PASSWORD" is not found.
	password, found, err := prefectsecrets.Get("DB_PASSWORD")
	if err != nil {
		log.Fatal(err)
	}
	if !found {
		// Why not? The report says where the library looked and what it found nearby
		// (here: did you mean "db_password"?). It never contains a value or a
		// credential, so it may be logged; so may ConfigView's masked configuration.
		report, err := prefectsecrets.Explain("DB_PASSWORD")
		if err != nil {
			log.Fatal(err)
		}
		log.Fatalf("DB_PASSWORD is not set:\n%s", report)
	}
	fmt.Println(len(password))
}
