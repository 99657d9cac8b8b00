package prefectsecrets

// Tests of the binding: each exported function's arguments and results cross to C and
// back intact (NUL bytes, non-UTF-8, empty and long values), each status becomes its Go
// error, and the Go side of talking to a server works. What the library does with the
// values (Prefect's rules, JSON, TLS, auth, the cache) is tested in Rust and C (tests/,
// src/**/tests.rs, tests/c/).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGetValues(t *testing.T) {
	isolate(t)
	for _, c := range []struct{ set, text, json string }{
		{"hunter2", "hunter2", `"hunter2"`},
		{`{"user": "svc", "n": [1, 2.5, null, true]}`, `{"user":"svc","n":[1,2.5,null,true]}`, `{"user":"svc","n":[1,2.5,null,true]}`},
		{"mot de passe été ☃", "mot de passe été ☃", `"mot de passe \u00e9t\u00e9 \u2603"`},
		{"", "", `""`},
		{"a\x00b", "a\x00b", `"a\u0000b"`}, // a value with NUL is passed whole
		{`"x\u0000y"`, "x\x00y", `"x\u0000y"`},
		{"\x00", "\x00", `"\u0000"`},
	} {
		mustOK(t, ContextSet("s", c.set))
		wantValue(t, Get, "s", c.text)
		wantValue(t, GetJSON, "s", c.json)
	}
	wantNotFound(t, Get, "absent")
	wantNotFound(t, GetJSON, "absent")
	mustOK(t, ContextSet("s", "null")) // found, but None: not found
	wantNotFound(t, Get, "s")
	wantNotFound(t, GetJSON, "s")

	// Sizes around the powers of two an allocator might care about, then large (the library
	// sizes each value itself: secret_get_alloc), and one whose JSON is longer than its text.
	for _, n := range []int{511, 512, 513, 4096, 5<<20 + 3} {
		v := "<" + strings.Repeat("x", n-2) + ">"
		mustOK(t, ContextSet("s", v))
		wantValue(t, Get, "s", v)
		wantValue(t, GetJSON, "s", `"`+v+`"`)
	}
	mustOK(t, ContextSet("s", strings.Repeat("é\x00\"", 1<<18)))
	wantValue(t, Get, "s", strings.Repeat("é\x00\"", 1<<18))
	wantValue(t, GetJSON, "s", `"`+strings.Repeat(`\u00e9\u0000\"`, 1<<18)+`"`)

	// Non-UTF-8 reaches the library, which refuses it.
	e := wantErr(t, ContextSet("s", "bad \xff value"), ErrInvalidArgument)
	if !strings.Contains(e.Message, "value") || e.Op != "secret_context_set_bytes" {
		t.Errorf("unexpected error %#v", e)
	}
	for op, get := range map[string]func(string) (string, bool, error){"secret_get": Get, "secret_get_json": GetJSON} {
		_, _, err := get("bad\xffname")
		if e := wantErr(t, err, ErrInvalidArgument); !strings.Contains(e.Message, "name") || e.Op != op {
			t.Errorf("unexpected error %#v", e)
		}
	}
	_, err := Explain("bad\xffname")
	if e := wantErr(t, err, ErrInvalidArgument); e.Op != "secret_explain" {
		t.Errorf("unexpected error %#v", e)
	}
}

// A string argument with a NUL byte cannot be passed to C: every wrapper refuses it
// before the call, naming its C function (a value is passed whole: see TestGetValues).
func TestNULInStringArguments(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	for op, f := range map[string][]func() error{
		"secret_get": {func() error { _, _, err := Get("a\x00b"); return err },
			func() error { _, _, err := GetContext(ctx, "a\x00b"); return err }},
		"secret_get_json": {func() error { _, _, err := GetJSON("a\x00b"); return err },
			func() error { _, _, err := GetJSONContext(ctx, "a\x00b"); return err }},
		"secret_context_set_bytes":          {func() error { return ContextSet("a\x00b", "v") }},
		"secret_context_remove":             {func() error { _, err := ContextRemove("a\x00b"); return err }},
		"secret_config_set_auth_token":      {func() error { return SetAuthToken("t\x00k") }},
		"secret_config_set_cloud_graphql":   {func() error { return SetCloudGraphQL("http://127.0.0.1/\x00") }},
		"secret_config_load_file":           {func() error { return LoadConfigFile("/tmp/\x00") }},
		"secret_config_set_ca_bundle":       {func() error { return SetCABundle("/tmp/\x00") }},
		"secret_config_set_api_url":         {func() error { return SetAPIURL("http://127.0.0.1/\x00") }},
		"secret_config_set_api_key":         {func() error { return SetAPIKey("k\x00ey") }},
		"secret_config_set_api_auth_string": {func() error { return SetAPIAuthString("user:pa\x00ss") }},
		"secret_explain":                    {func() error { _, err := Explain("a\x00b"); return err }},
		"secret_config_set": {func() error { return SetConfig("cache\x00_ttl", "1") },
			func() error { return SetConfig("auth_token", "tok\x00en") },
			func() error { return UnsetConfig("cache\x00_ttl") }},
	} {
		for _, f := range f {
			if e := wantErr(t, f(), ErrInvalidArgument); e.Op != op || !strings.Contains(e.Message, "NUL") {
				t.Errorf("unexpected error %#v, want op %s and a message naming the NUL", e, op)
			}
		}
	}
}

// Each setter's argument reaches the library as given: ConfigView shows it.
func TestSetters(t *testing.T) {
	home := isolate(t)
	ca := filepath.Join(home, "ca.pem")
	view := func(want ...string) {
		t.Helper()
		text, err := ConfigView(false)
		mustOK(t, err)
		for _, w := range want {
			if strings.HasPrefix(w, "!") {
				if strings.Contains(text, w[1:]) {
					t.Errorf("ConfigView has %q:\n%s", w[1:], text)
				}
			} else if !strings.Contains(text, w) {
				t.Errorf("ConfigView has no %q:\n%s", w, text)
			}
		}
	}
	mustOK(t, SetUseLocalSecrets(false))
	mustOK(t, SetCloudGraphQL("http://127.0.0.1:9/graphql"))
	mustOK(t, SetTimeouts(1500*time.Millisecond, 2500*time.Millisecond))
	mustOK(t, SetMaxReplyBytes(1<<40))
	mustOK(t, SetCABundle(ca))
	mustOK(t, SetAllowInsecureHTTP(true))
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetAPIURL("http://127.0.0.1:4200/api"))
	mustOK(t, SetReuseWindow(250*time.Millisecond))
	mustOK(t, SetCacheTTL(90*time.Second))
	mustOK(t, SetAuthToken("tok-go-8d2e"))
	mustOK(t, SetAPIKey("pnu_go-8d2e"))
	mustOK(t, SetAPIAuthString("admin:pa ss"))
	mustOK(t, SetConfig("cache_max_entries", "17"))
	view("use_local_secrets = false", `graphql = "http://127.0.0.1:9/graphql"`, "connect_timeout = 1.5",
		"request_timeout = 2.5", "max_reply_bytes = 1099511627776", fmt.Sprintf("ca_bundle = %q", ca),
		"allow_insecure_http = true", `server_flavor = "prefect-3"`, `api_url = "http://127.0.0.1:4200/api"`,
		"reuse_window = 0.25", "cache_ttl = 90.0", "cache_max_entries = 17", "auth_token = \"********",
		"api_key = \"********", "api_auth_string = \"********", "!tok-go-8d2e", "!pnu_go", "!pa ss")
	mustOK(t, SetUseLocalSecrets(true))
	mustOK(t, UseSystemCAs())
	mustOK(t, SetAllowInsecureHTTP(false))
	mustOK(t, SetServerFlavor(ServerPrefect05))
	mustOK(t, ClearAPIURL())
	mustOK(t, ClearAuthToken())
	mustOK(t, ClearAPIKey())
	mustOK(t, ClearAPIAuthString())
	mustOK(t, UnsetConfig("cache_max_entries"))
	mustOK(t, CacheClear())
	view("!use_local_secrets = false", "!ca_bundle", "!allow_insecure_http = true", "!server_flavor = \"prefect-3\"",
		"!api_url", "!auth_token", "!api_key", "!api_auth_string", "!cache_max_entries")

	// Out of range: refused by the library, whatever Go's conversion gives.
	for op, err := range map[string][]error{
		"secret_config_set_timeouts": {SetTimeouts(-time.Second, time.Second), SetTimeouts(time.Second, 0),
			SetTimeouts(1<<63-1, time.Second)},
		"secret_config_set_max_reply_bytes": {SetMaxReplyBytes(0), SetMaxReplyBytes(1 << 63)},
		"secret_config_set_reuse_window":    {SetReuseWindow(-time.Nanosecond), SetReuseWindow(1<<63 - 1)},
		"secret_config_set_cache_ttl":       {SetCacheTTL(-time.Nanosecond), SetCacheTTL(1e9 * time.Second)},
		"secret_config_set_server_flavor":   {SetServerFlavor(99), SetServerFlavor(-1)},
		"secret_config_set":                 {SetConfig("no_such_key", "1"), UnsetConfig("use_local_secrets")},
	} {
		for _, err := range err {
			if e := wantErr(t, err, ErrInvalidArgument); e.Op != op {
				t.Errorf("unexpected error %#v, want op %s", e, op)
			}
		}
	}
	e := wantErr(t, SetAPIKey("pnu-\xff"), ErrInvalidArgument)
	if e.Op != "secret_config_set_api_key" || !strings.Contains(e.Message, "UTF-8") {
		t.Errorf("unexpected error %#v", e)
	}
}

func TestContextFunctions(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("a", "1"))
	for _, want := range []bool{true, false} {
		if removed, err := ContextRemove("a"); err != nil || removed != want {
			t.Fatalf("ContextRemove = %v, %v; want %v", removed, err, want)
		}
	}
	wantNotFound(t, Get, "a")
	mustOK(t, ContextSet("b", "2"))
	mustOK(t, ContextClear())
	wantNotFound(t, Get, "b")
	mustOK(t, ContextSet("X", "x"))
	mustOK(t, SetFlowBuilding(true))
	_, _, err := Get("X")
	wantErr(t, err, ErrFlowBuilding)
	mustOK(t, SetFlowBuilding(false))
	wantValue(t, Get, "X", "x")
	mustOK(t, ResetConfig())
	wantNotFound(t, Get, "X")
}

// Each status the library returns becomes its sentinel, with the C function's name.
func TestErrorMapping(t *testing.T) {
	home := isolate(t)
	bad := filepath.Join(home, "bad.toml")
	mustOK(t, writeFile(bad, "[context.secrets\nx = 1\n"))
	if e := wantErr(t, LoadConfigFile(bad), ErrConfig); e.Op != "secret_config_load_file" {
		t.Errorf("unexpected error %#v", e)
	}
	mustOK(t, SetFlowBuilding(true))
	_, _, err := GetJSON("s")
	if e := wantErr(t, err, ErrFlowBuilding); e.Op != "secret_get_json" ||
		!strings.Contains(e.Message, "Secrets should only be retrieved during a Flow run") {
		t.Errorf("unexpected error %#v", e)
	}
	mustOK(t, SetFlowBuilding(false))
	cloud(t, "http://127.0.0.1:9", "")
	_, _, err = Get("DB") // no token
	if e := wantErr(t, err, ErrAuth); e.Op != "secret_get" || !strings.Contains(e.Message, "Client.login()") {
		t.Errorf("unexpected error %#v", e)
	}
	mustOK(t, SetAuthToken("tok"))
	_, _, err = Get("DB") // nothing listens on port 9
	wantErr(t, err, ErrClient)

	// A configuration that cannot be loaded fails every call until a reset succeeds.
	t.Setenv("PREFECT__CONTEXT__SECRETS__S", `dangling\`)
	wantErr(t, ResetConfig(), ErrConfig)
	_, err = ConfigView(true)
	if e := wantErr(t, err, ErrConfig); e.Op != "secret_config_view" {
		t.Errorf("unexpected error %#v", e)
	}
}

func TestErrorsIs(t *testing.T) {
	for _, s := range allSentinels {
		e := &Error{Code: s.Code, Op: "secret_get", Message: "m"}
		wrapped := fmt.Errorf("reading the db password: %w", e)
		for _, other := range allSentinels {
			if got := errors.Is(wrapped, other); got != (other == s) {
				t.Errorf("errors.Is(%v, %v) = %v", wrapped, other, got)
			}
		}
		if back := (*Error)(nil); !errors.As(wrapped, &back) || back != e || !strings.HasPrefix(s.Error(), "prefectsecrets: SECRET_ERR_") {
			t.Errorf("errors.As lost the *Error, or the sentinel's text is %q", s.Error())
		}
	}
	if errors.Is(errors.New("x"), ErrAuth) || errors.Is(ErrAuth, errors.New("x")) {
		t.Error("a foreign error matched")
	}
	e := &Error{Code: StatusAuth, Op: "secret_get", Message: "Call Client.login() to set the client token."}
	if got := e.Error(); got != "prefectsecrets: secret_get: Call Client.login() to set the client token. (SECRET_ERR_AUTH)" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&Error{Code: -42}).Error(); got != "prefectsecrets: status -42" {
		t.Errorf("Error() = %q", got)
	}
}

// The Go side of talking to a server: one Prefect 0.5.3 GraphQL get (a 1 MiB value,
// one request) and one Prefect 3 blocks get, with the credentials set from Go.
func TestServerSmoke(t *testing.T) {
	isolate(t)
	long := strings.Repeat("0123456789abcdef", 1<<16)
	graphql := newScriptServer([]reply{{Status: 200, Body: json.RawMessage(`{"data": {"secretValue": "` + long + `"}}`)},
		{Status: 200, Body: json.RawMessage(`{"data": {"secretValue": {"a": [1, 2.5]}}}`)}}, nil)
	defer graphql.Close()
	cloud(t, graphql.URL, "tok-1")
	mustOK(t, SetReuseWindow(0))
	wantValue(t, Get, "DB", long)
	wantValue(t, GetJSON, "DB", `{"a":[1,2.5]}`)
	reqs := graphql.requests()
	if len(reqs) != 2 || reqs[0].Path != "/graphql/alpha" || reqs[0].Authorization == nil ||
		*reqs[0].Authorization != "Bearer tok-1" || fmt.Sprint(reqs[0].Variables) != "map[name:DB]" {
		t.Errorf("requests %+v", reqs)
	}

	blocks := newBlocksServer(t, map[string]string{"db": `{"user": "svc"}`})
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetAPIURL(blocks.URL+"/api"))
	mustOK(t, SetAPIKey("pnu_key"))
	wantValue(t, Get, "db", `{"user":"svc"}`)
	mustOK(t, SetAPIAuthString("admin:pa ss"))
	wantNotFound(t, GetJSON, "missing")
	if got := blocks.authorizations(); fmt.Sprint(got) != "[Bearer pnu_key Basic YWRtaW46cGEgc3M=]" {
		t.Errorf("Authorization headers %q", got)
	}
}

// RenderTemplate: the template and the flag go in, the rendered text comes back whole;
// the library's statuses come back as errors.
func TestRenderTemplate(t *testing.T) {
	isolate(t)
	if _, err := RenderTemplate(`{"p": "{{ prefect.blocks.secret.db.user }}"}`, true); !errors.Is(err, ErrConfig) {
		t.Errorf("under Prefect 0.5.3: %v, want ErrConfig", err)
	}
	blocks := newBlocksServer(t, map[string]string{"db": `{"user": "svc"}`})
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetAPIURL(blocks.URL+"/api"))
	for _, c := range []struct {
		template string
		json     bool
		want     string
	}{
		{`{"p": "{{ prefect.blocks.secret.db.user }}", "q": ["x", 1]}`, true, `{"p":"svc","q":["x",1]}`},
		{"u={{ prefect.blocks.secret.db.user }}\n{{ other }}", false, "u=svc\n{{ other }}"},
		{"{{ prefect.blocks.secret.db }}", false, `{"user":"svc"}`},
	} {
		if got, err := RenderTemplate(c.template, c.json); err != nil || got != c.want {
			t.Errorf("RenderTemplate(%q, %v) = %q, %v; want %q", c.template, c.json, got, err, c.want)
		}
	}
	if _, err := RenderTemplate("{{ prefect.blocks.secret.missing }}", false); !errors.Is(err, ErrClient) {
		t.Errorf("a missing block: %v, want ErrClient", err)
	}
	for _, bad := range []string{"a\x00b", "{not json"} {
		if _, err := RenderTemplate(bad, true); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("RenderTemplate(%q): %v, want ErrInvalidArgument", bad, err)
		}
	}
}

// Explain and ConfigView: the name and the flag go in, the report comes back whole.
func TestReports(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("report_secret", "dv-go-5b1c-value"))
	for name, want := range map[string]string{"report_secret": `secret "report_secret": found`,
		"REPORT_SECRET": `did you mean "report_secret"?`, "": `secret "": not found`} {
		if text, err := Explain(name); err != nil || !strings.Contains(text, want) || strings.Contains(text, "dv-go") {
			t.Errorf("Explain(%q) = %q, %v; want it to contain %q, and no value", name, text, err, want)
		}
	}
	for flag, want := range map[bool]string{true: "\nreport_secret = \"******** (text)\"  # this library's API\n",
		false: "\nreport_secret = \"******** (text)\"\n"} {
		if text, err := ConfigView(flag); err != nil || !strings.Contains(text, want) {
			t.Errorf("ConfigView(%v) = %q, %v; want it to contain %q", flag, text, err, want)
		}
	}
}

// scripts/test-all runs this one test against the installed library (pkg-config tag).
func TestVersionAndStatusString(t *testing.T) {
	if v := Version(); v != HeaderVersion {
		t.Errorf("library version %q, header version %q", v, HeaderVersion)
	}
	for code, prefix := range map[int32]string{
		StatusOK: "SECRET_OK", StatusNotFound: "SECRET_NOT_FOUND", StatusAuth: "SECRET_ERR_AUTH",
		StatusInternal: "SECRET_ERR_INTERNAL", StatusInvalidArgument: "SECRET_ERR_INVALID_ARGUMENT",
	} {
		if s := StatusString(code); !strings.HasPrefix(s, prefix+": ") {
			t.Errorf("StatusString(%d) = %q", code, s)
		}
		if statusName(code) != prefix {
			t.Errorf("statusName(%d) = %q", code, statusName(code))
		}
	}
	if s := StatusString(12345); s == "" {
		t.Error("StatusString of an unknown code is empty")
	}
	for f, want := range map[ServerFlavor]string{ServerPrefect05: "prefect-0.5", ServerPrefect3: "prefect-3", 99: "ServerFlavor(99)"} {
		if got := fmt.Sprint(f); got != want {
			t.Errorf("ServerFlavor(%d) prints %q, want %q", int32(f), got, want)
		}
	}
}
