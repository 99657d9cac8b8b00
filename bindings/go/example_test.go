package prefectsecrets_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	prefectsecrets "github.com/prefect-secrets/prefect-secrets/bindings/go"
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
	// prefect.context.secrets["DB"] = '{"user": "svc", "port": 5432}'
	if err := prefectsecrets.ContextSet("DB", `{"user": "svc", "port": 5432}`); err != nil {
		log.Fatal(err)
	}
	if err := prefectsecrets.ContextSet("TOKEN", "hunter2"); err != nil {
		log.Fatal(err)
	}

	for _, name := range []string{"TOKEN", "DB", "MISSING"} {
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
	_, _, err := prefectsecrets.Get("TOKEN")
	fmt.Println(errors.Is(err, prefectsecrets.ErrFlowBuilding))
	_ = prefectsecrets.ResetConfig()

	// Output:
	// TOKEN: hunter2
	// DB: {"user":"svc","port":5432}
	// MISSING: not set
	// true
}

func ExampleGetJSON() {
	_ = prefectsecrets.ResetConfig()
	_ = prefectsecrets.SetUseLocalSecrets(true)
	_ = prefectsecrets.ContextSet("QUOTED", `"42"`) // json.loads gives the string "42"
	_ = prefectsecrets.ContextSet("NUMBER", "42")   // json.loads gives the int 42
	for _, name := range []string{"QUOTED", "NUMBER"} {
		text, _, _ := prefectsecrets.Get(name)
		js, _, _ := prefectsecrets.GetJSON(name)
		fmt.Printf("%s: Get %s, GetJSON %s\n", name, text, js)
	}
	_ = prefectsecrets.ResetConfig()
	// Output:
	// QUOTED: Get 42, GetJSON "42"
	// NUMBER: Get 42, GetJSON 42
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
