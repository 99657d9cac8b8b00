package prefectsecrets

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// blocksPath is where a Prefect 2/3 server serves a Secret block by name.
const blocksPath = "/api/block_types/slug/secret/block_documents/name/"

// blocksServer emulates the part of a Prefect 3 server's REST API that Prefect's
// Secret.load(name) uses: GET <api>/block_types/slug/secret/block_documents/name/<name>
// ?include_secrets=true answers 200 with the block document, whose data.value is the
// secret; 404 when there is no such block; 401 (or refusal) when the Authorization
// header is not the one required. Any other request gets 400.
type blocksServer struct {
	URL string // http://127.0.0.1:PORT; the API is at URL + "/api"

	srv      *httptest.Server
	mu       sync.Mutex
	values   map[string]string // block name -> its value as JSON text
	raw      map[string]string // block name -> a whole 200 reply body, instead of a document
	auth     string            // the Authorization header required; "" requires none
	refusal  int               // the status for a wrong Authorization (401 unless set)
	requests []blocksRequest
}

// blocksRequest is what the server logs of a request.
type blocksRequest struct {
	Method, URI   string // URI as sent (escaped path and query)
	Authorization string // "" when absent
}

func newBlocksServer(t *testing.T) *blocksServer {
	t.Helper()
	s := &blocksServer{values: map[string]string{}, raw: map[string]string{}, refusal: http.StatusUnauthorized}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// set makes the block name hold value, a JSON text ("null" included).
func (s *blocksServer) set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[name] = value
}

// setRaw makes the server answer a get of the block name with 200 and this body.
func (s *blocksServer) setRaw(name, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw[name] = body
}

// requireAuth makes the server accept only this Authorization header ("" for any), and
// refuse others with status.
func (s *blocksServer) requireAuth(header string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth, s.refusal = header, status
}

func (s *blocksServer) log() []blocksRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]blocksRequest(nil), s.requests...)
}

func (s *blocksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	s.requests = append(s.requests, blocksRequest{Method: r.Method, URI: r.RequestURI, Authorization: auth})
	w.Header().Set("Content-Type", "application/json")
	reply := func(status int, body string) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
	if s.auth != "" && auth != s.auth {
		reply(s.refusal, `{"detail": "Unauthorized"}`)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, blocksPath) // r.URL.Path is unescaped
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, blocksPath) ||
		r.URL.RawQuery != "include_secrets=true" {
		reply(http.StatusBadRequest, `{"detail": "not a Secret block request"}`)
		return
	}
	if body, ok := s.raw[name]; ok {
		reply(http.StatusOK, body)
		return
	}
	value, ok := s.values[name]
	if !ok {
		reply(http.StatusNotFound, `{"detail": "Block document not found"}`)
		return
	}
	quoted, _ := json.Marshal(name)
	reply(http.StatusOK, fmt.Sprintf(`{"id": "6f1a2b3c-0000-4000-8000-000000000001", "name": %s, `+
		`"data": {"value": %s}, "block_schema_id": "6f1a2b3c-0000-4000-8000-000000000002", `+
		`"block_type_id": "6f1a2b3c-0000-4000-8000-000000000003", "block_type_name": "Secret", `+
		`"is_anonymous": false, "block_document_references": {}}`, quoted, value))
}

// useBlocks points the library's server path at s with the Prefect 3 flavour.
func useBlocks(t *testing.T, s *blocksServer) {
	t.Helper()
	mustOK(t, SetUseLocalSecrets(false))
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetAPIURL(s.URL+"/api"))
}

func basicAuth(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

func TestServerFlavorValues(t *testing.T) {
	for f, want := range map[ServerFlavor]string{
		ServerPrefect05: "prefect-0.5", ServerPrefect3: "prefect-3", 99: "ServerFlavor(99)", -1: "ServerFlavor(-1)",
	} {
		if got := f.String(); got != want {
			t.Errorf("ServerFlavor(%d).String() = %q, want %q", int32(f), got, want)
		}
	}
	if fmt.Sprint(ServerPrefect3) != "prefect-3" {
		t.Errorf("fmt prints %v", ServerPrefect3)
	}
}

func TestSetServerFlavor(t *testing.T) {
	isolate(t)
	for _, f := range []ServerFlavor{99, -1, math.MaxInt32, math.MinInt32} {
		e := wantErr(t, SetServerFlavor(f), ErrInvalidArgument)
		if e.Op != "secret_config_set_server_flavor" || !strings.Contains(e.Message, "SecretServerFlavor") {
			t.Errorf("SetServerFlavor(%d): %#v", int32(f), e)
		}
	}
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetServerFlavor(ServerPrefect05))

	// The flavour decides which server is asked; ResetConfig goes back to 0.5.
	graphql := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 200, "body": {"data": {"secretValue": "from-graphql"}}},
		{"status": 200, "body": {"data": {"secretValue": "from-graphql-again"}}}]}`))
	defer graphql.Close()
	blocks := newBlocksServer(t)
	blocks.set("db", `"from-blocks"`)
	cloud(t, graphql.URL, "tok")
	mustOK(t, SetAPIURL(blocks.URL+"/api"))
	mustOK(t, SetReuseWindow(0))
	wantValue(t, Get, "db", "from-graphql")
	mustOK(t, SetServerFlavor(ServerPrefect3))
	wantValue(t, Get, "db", "from-blocks")
	mustOK(t, SetServerFlavor(ServerPrefect05))
	wantValue(t, Get, "db", "from-graphql-again")
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, ResetConfig())
	wantNotFound(t, Get, "db") // local secrets again, and the 0.5 flavour
	if n, m := len(graphql.requests()), len(blocks.log()); n != 2 || m != 1 {
		t.Errorf("%d GraphQL and %d block requests, want 2 and 1", n, m)
	}

	// The configuration key behind it.
	t.Setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false")
	t.Setenv("PREFECT__CLOUD__SERVER_FLAVOR", "prefect-3")
	t.Setenv("PREFECT_API_URL", blocks.URL+"/api")
	mustOK(t, ResetConfig())
	wantValue(t, Get, "db", "from-blocks")
}

func TestPrefect3SetterArguments(t *testing.T) {
	isolate(t)
	for _, c := range []struct {
		op  string
		err error
	}{
		{"secret_config_set_api_url", SetAPIURL("http://\xff/api")},
		{"secret_config_set_api_key", SetAPIKey("key-\xff")},
		{"secret_config_set_api_auth_string", SetAPIAuthString("user:\xff")},
	} {
		if e := wantErr(t, c.err, ErrInvalidArgument); e.Op != c.op || !strings.Contains(e.Message, "UTF-8") {
			t.Errorf("unexpected error %#v", e)
		}
	}
	mustOK(t, SetAPIURL("http://127.0.0.1:4200/api"))
	mustOK(t, SetAPIKey("pnu_abc"))
	mustOK(t, SetAPIAuthString("admin:pass"))
	mustOK(t, ClearAPIURL())
	mustOK(t, ClearAPIKey())
	mustOK(t, ClearAPIAuthString())
}

func TestPrefect3Values(t *testing.T) {
	isolate(t)
	s := newBlocksServer(t)
	for name, value := range map[string]string{
		"plain":         `"hunter2"`,
		"json-object":   `"{\"a\": 1}"`, // a string holding JSON is decoded, as Secret.get() does
		"json-number":   `"42"`,
		"not-json":      `"{'a': 1}"`, // kept as it is when it is not JSON
		"object":        `{"user": "svc", "port": 5432, "tls": true}`,
		"list":          `[1, 2.5, null, "x"]`,
		"number":        `7`,
		"null":          `null`,
		"null-text":     `"null"`, // json.loads gives None
		"empty":         `""`,
		"unicode":       `"mot de passe \u00e9t\u00e9"`,
		"db/pass word?": `"slashed"`, // names no block can have: never asked for
		"clé":           `"accented name"`,
		"DB":            `"upper"`,
	} {
		s.set(name, value)
	}
	useBlocks(t, s)
	mustOK(t, ContextSet("plain", "local")) // not consulted on the server path
	for _, c := range []struct{ name, text, json string }{
		{"plain", "hunter2", `"hunter2"`},
		{"json-object", `{"a":1}`, `{"a":1}`},
		{"json-number", "42", "42"},
		{"not-json", "{'a': 1}", `"{'a': 1}"`},
		{"object", `{"user":"svc","port":5432,"tls":true}`, `{"user":"svc","port":5432,"tls":true}`},
		{"list", `[1,2.5,null,"x"]`, `[1,2.5,null,"x"]`},
		{"number", "7", "7"},
		{"empty", "", `""`},
		{"unicode", "mot de passe été", `"mot de passe \u00e9t\u00e9"`},
	} {
		wantValue(t, Get, c.name, c.text)
		wantValue(t, GetJSON, c.name, c.json)
	}
	for _, name := range []string{"null", "null-text", "missing"} {
		wantNotFound(t, Get, name)
		wantNotFound(t, GetJSON, name)
	}
	// Prefect's block names are lowercase letters, digits and dashes: any other name is
	// not found, without a request (Prefect's server would refuse to store it).
	before := len(s.log())
	for _, name := range []string{"db/pass word?", "clé", "DB"} {
		wantNotFound(t, Get, name)
		wantNotFound(t, GetJSON, name)
	}
	if n := len(s.log()) - before; n != 0 {
		t.Errorf("%d requests for names no block can have", n)
	}

	// The requests, as Prefect's client sends them: the name is one path segment.
	var uris []string
	for _, r := range s.log() {
		if r.Method != http.MethodGet || r.Authorization != "" {
			t.Errorf("request %+v: want a GET without credentials", r)
		}
		uris = append(uris, r.URI)
	}
	for _, want := range []string{
		blocksPath + "plain?include_secrets=true",
		blocksPath + "json-object?include_secrets=true",
		blocksPath + "missing?include_secrets=true",
	} {
		if !containsString(uris, want) {
			t.Errorf("no request for %s in %q", want, uris)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPrefect3Auth(t *testing.T) {
	isolate(t)
	s := newBlocksServer(t)
	s.set("db", `"s3cr3t"`)
	useBlocks(t, s)
	mustOK(t, SetReuseWindow(0))
	authOf := func() string { l := s.log(); return l[len(l)-1].Authorization }

	// Basic auth from the auth string, which wins over the API key.
	const userPass = "admin:pa ss:wörd" // the password may hold colons and spaces
	s.requireAuth(basicAuth(userPass), http.StatusUnauthorized)
	_, _, err := Get("db")
	if e := wantErr(t, err, ErrAuth); !strings.Contains(e.Message, "401") {
		t.Errorf("message %q", e.Message)
	}
	if a := authOf(); a != "" {
		t.Errorf("sent %q without credentials set", a)
	}
	mustOK(t, SetAPIKey("pnu_key"))
	_, _, err = Get("db")
	wantErr(t, err, ErrAuth)
	if a := authOf(); a != "Bearer pnu_key" {
		t.Errorf("Authorization %q, want the API key as a bearer token", a)
	}
	mustOK(t, SetAPIAuthString(userPass))
	wantValue(t, Get, "db", "s3cr3t")
	if a := authOf(); a != basicAuth(userPass) {
		t.Errorf("Authorization %q, want %q", a, basicAuth(userPass))
	}
	if basicAuth("admin:pass") != "Basic YWRtaW46cGFzcw==" {
		t.Fatal("the test's own base64 is off")
	}

	// Bearer from the API key once the auth string is gone.
	s.requireAuth("Bearer pnu_key", http.StatusUnauthorized)
	_, _, err = Get("db")
	wantErr(t, err, ErrAuth) // still Basic
	mustOK(t, ClearAPIAuthString())
	wantValue(t, Get, "db", "s3cr3t")
	if a := authOf(); a != "Bearer pnu_key" {
		t.Errorf("Authorization %q", a)
	}

	// A wrong key refused with 403 is an auth error too.
	s.requireAuth("Bearer pnu_key", http.StatusForbidden)
	mustOK(t, SetAPIKey("pnu_wrong"))
	_, _, err = Get("db")
	if e := wantErr(t, err, ErrAuth); !strings.Contains(e.Message, "403") || strings.Contains(e.Message, "pnu_") {
		t.Errorf("message %q", e.Message)
	}
	mustOK(t, ClearAPIKey())
	_, _, err = Get("db")
	wantErr(t, err, ErrAuth)
	if a := authOf(); a != "" {
		t.Errorf("sent %q after ClearAPIKey with no PREFECT_API_KEY", a)
	}
	// A credential that cannot go in a header fails before anything is sent.
	n := len(s.log())
	mustOK(t, SetAPIKey("line\nbreak"))
	_, _, err = Get("db")
	wantErr(t, err, ErrClient)
	if len(s.log()) != n {
		t.Error("a request was sent with a key holding a line break")
	}
}

// The PREFECT_API_* variables are read when the configuration is loaded, and the Clear*
// functions go back to them.
func TestPrefect3Environment(t *testing.T) {
	isolate(t)
	s := newBlocksServer(t)
	s.set("db", `{"from": "env"}`)
	t.Setenv("PREFECT_API_URL", s.URL+"/api")
	t.Setenv("PREFECT_API_KEY", "env-key")
	mustOK(t, ResetConfig())
	mustOK(t, SetUseLocalSecrets(false))
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetReuseWindow(0))
	s.requireAuth("Bearer env-key", http.StatusUnauthorized)
	wantValue(t, Get, "db", `{"from":"env"}`)

	mustOK(t, SetAPIKey("set-key"))
	_, _, err := Get("db")
	wantErr(t, err, ErrAuth)
	mustOK(t, ClearAPIKey())
	wantValue(t, Get, "db", `{"from":"env"}`)

	mustOK(t, SetAPIURL("http://127.0.0.1:9/api")) // nothing listens there
	_, _, err = Get("db")
	wantErr(t, err, ErrClient)
	mustOK(t, ClearAPIURL())
	wantValue(t, Get, "db", `{"from":"env"}`)

	// PREFECT_API_AUTH_STRING wins over PREFECT_API_KEY, once the configuration is
	// reloaded.
	t.Setenv("PREFECT_API_AUTH_STRING", "u:p")
	wantValue(t, Get, "db", `{"from":"env"}`) // not read yet
	mustOK(t, ResetConfig())
	mustOK(t, SetUseLocalSecrets(false))
	mustOK(t, SetServerFlavor(ServerPrefect3))
	s.requireAuth(basicAuth("u:p"), http.StatusUnauthorized)
	wantValue(t, Get, "db", `{"from":"env"}`)
	mustOK(t, SetAPIAuthString("u:other"))
	_, _, err = Get("db")
	wantErr(t, err, ErrAuth)
	mustOK(t, ClearAPIAuthString())
	wantValue(t, Get, "db", `{"from":"env"}`)
}

func TestPrefect3Errors(t *testing.T) {
	isolate(t)
	s := newBlocksServer(t)
	s.setRaw("no-data", `{"id": "x", "name": "no-data"}`)
	s.setRaw("no-value", `{"data": {}}`)
	s.setRaw("not-json", `<html>`)
	mustOK(t, SetUseLocalSecrets(false))
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetReuseWindow(0))

	// No API URL anywhere.
	_, _, err := Get("db")
	if e := wantErr(t, err, ErrClient); !strings.Contains(e.Message, "PREFECT_API_URL") {
		t.Errorf("message %q", e.Message)
	}
	// Replies that are not a Secret block document.
	mustOK(t, SetAPIURL(s.URL+"/api"))
	for _, name := range []string{"no-data", "no-value", "not-json"} {
		_, _, err := Get(name)
		wantErr(t, err, ErrClient)
	}
	// Another status (400 here: the URL does not lead to the blocks API).
	mustOK(t, SetAPIURL(s.URL+"/not-the-api"))
	_, _, err = Get("db")
	if e := wantErr(t, err, ErrClient); !strings.Contains(e.Message, "400") {
		t.Errorf("message %q", e.Message)
	}
}

func TestSetCacheTTLArguments(t *testing.T) {
	isolate(t)
	for _, d := range []time.Duration{-time.Nanosecond, -time.Hour, 1e9 * time.Second, math.MaxInt64} {
		if e := wantErr(t, SetCacheTTL(d), ErrInvalidArgument); e.Op != "secret_config_set_cache_ttl" {
			t.Errorf("SetCacheTTL(%v): %#v", d, e)
		}
	}
	mustOK(t, SetCacheTTL(0))
	mustOK(t, SetCacheTTL(time.Nanosecond))
	mustOK(t, SetCacheTTL(999999999*time.Second))
	mustOK(t, CacheClear())
	mustOK(t, CacheClear()) // nothing cached: still fine
}

func TestCache(t *testing.T) {
	isolate(t)
	s := newBlocksServer(t)
	s.set("db", `"v1"`)
	useBlocks(t, s)
	mustOK(t, SetReuseWindow(0)) // only the cache may spare a request
	requests := func(want int) {
		t.Helper()
		if n := len(s.log()); n != want {
			t.Fatalf("%d requests, want %d", n, want)
		}
	}

	// Off by default: every get asks.
	wantValue(t, Get, "db", "v1")
	wantValue(t, Get, "db", "v1")
	requests(2)

	mustOK(t, SetCacheTTL(time.Minute))
	wantValue(t, Get, "db", "v1")
	s.set("db", `"v2"`)
	wantValue(t, Get, "db", "v1") // within the TTL: from memory
	wantValue(t, GetJSON, "db", `"v1"`)
	requests(3)
	// Process-wide: another goroutine, on an OS thread of its own, gets it too.
	type result struct {
		v     string
		found bool
		err   error
	}
	other := make(chan result)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		v, found, err := Get("db")
		other <- result{v, found, err}
	}()
	if r := <-other; r.err != nil || !r.found || r.v != "v1" {
		t.Fatalf("Get from another thread = %q, %v, %v", r.v, r.found, r.err)
	}
	requests(3)

	// CacheClear: the next get asks again.
	mustOK(t, CacheClear())
	wantValue(t, Get, "db", "v2")
	wantValue(t, Get, "db", "v2")
	requests(4)

	// Names the server does not know are not cached.
	wantNotFound(t, Get, "absent")
	wantNotFound(t, Get, "absent")
	requests(6)

	// Any setter ends the cache.
	s.set("db", `"v3"`)
	mustOK(t, SetCacheTTL(time.Minute))
	wantValue(t, Get, "db", "v3")
	requests(7)

	// Entries expire.
	s.set("db", `"v4"`)
	mustOK(t, SetCacheTTL(200*time.Millisecond))
	wantValue(t, Get, "db", "v4")
	wantValue(t, Get, "db", "v4")
	requests(8)
	time.Sleep(300 * time.Millisecond)
	s.set("db", `"v5"`)
	wantValue(t, Get, "db", "v5")
	requests(9)

	// 0 turns it off again.
	mustOK(t, SetCacheTTL(0))
	wantValue(t, Get, "db", "v5")
	wantValue(t, Get, "db", "v5")
	requests(11)
}

// The cache serves the default (Prefect 0.5.3) flavour the same way.
func TestCacheGraphQL(t *testing.T) {
	isolate(t)
	srv := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 200, "body": {"data": {"secretValue": "g1"}}},
		{"status": 200, "body": {"data": {"secretValue": "g2"}}}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "tok")
	mustOK(t, SetReuseWindow(0))
	mustOK(t, SetCacheTTL(time.Minute))
	wantValue(t, Get, "db", "g1")
	wantValue(t, Get, "db", "g1")
	mustOK(t, CacheClear())
	wantValue(t, Get, "db", "g2")
	if n := len(srv.requests()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}
