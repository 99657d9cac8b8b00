package prefectsecrets

import (
	"strings"
	"testing"
)

// Tests of the reports (Explain, ConfigView) and of settings by name (SetConfig,
// UnsetConfig). The reports' wording is the library's (tests/explain.rs tests it in full);
// these check the lines the binding's documentation promises, and that no value or
// credential set from Go ever shows up in a report or an error message.

const (
	reportValue = "dv-go-5b1c-value"       // a secret value no report may contain
	reportToken = "tok-go-8d2e-credential" // a credential no report or message may contain
)

// wantNoLeak fails when text contains any of secrets.
func wantNoLeak(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s contains %q:\n%s", what, s, text)
		}
	}
}

func wantContains(t *testing.T, what, text, want string) {
	t.Helper()
	if !strings.Contains(text, want) {
		t.Errorf("%s does not contain %q:\n%s", what, want, text)
	}
}

func mustExplain(t *testing.T, name string) string {
	t.Helper()
	text, err := Explain(name)
	if err != nil {
		t.Fatalf("Explain(%q): %v", name, err)
	}
	return text
}

func mustConfigView(t *testing.T, showSources bool) string {
	t.Helper()
	text, err := ConfigView(showSources)
	if err != nil {
		t.Fatalf("ConfigView(%v): %v", showSources, err)
	}
	return text
}

func TestExplainContextSecret(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("report_secret", reportValue))
	text := mustExplain(t, "report_secret")
	wantContains(t, "Explain", text, `secret "report_secret": found`)
	wantContains(t, "Explain", text, "this library's API")
	wantNoLeak(t, "Explain", text, reportValue)

	// Another case: not found, with the name that is set.
	text = mustExplain(t, "REPORT_SECRET")
	wantContains(t, "Explain", text, `secret "REPORT_SECRET": not found`)
	wantContains(t, "Explain", text, `did you mean "report_secret"?`)
	wantNoLeak(t, "Explain", text, reportValue)
}

func TestExplainEnvironmentVariable(t *testing.T) {
	isolate(t)
	t.Setenv("PREFECT__CONTEXT__SECRETS__MY_KEY", `{"user": "svc", "pw": "`+reportValue+`"}`)
	mustOK(t, ResetConfig()) // the environment is read when the configuration is loaded
	text := mustExplain(t, "MY_KEY")
	wantContains(t, "Explain", text, `secret "MY_KEY": not found`)
	wantContains(t, "Explain", text, `did you mean "my_key"?`)
	wantContains(t, "Explain", text, "environment variable PREFECT__CONTEXT__SECRETS__MY_KEY")
	wantNoLeak(t, "Explain", text, reportValue, "svc")

	text = mustExplain(t, "my_key")
	wantContains(t, "Explain", text, `secret "my_key": found`)
	wantContains(t, "Explain", text, "set by: environment variable PREFECT__CONTEXT__SECRETS__MY_KEY")
	wantContains(t, "Explain", text, "dict with 2 keys")
	wantNoLeak(t, "Explain", text, reportValue, "svc")
}

func TestExplainServerPath(t *testing.T) {
	isolate(t)
	cloud(t, "http://127.0.0.1:9", reportToken)
	text := mustExplain(t, "DB") // never asks the server (nothing listens on port 9 anyway)
	wantContains(t, "Explain", text, `secret "DB"`)
	wantContains(t, "Explain", text, "http://127.0.0.1:9/graphql/alpha")
	wantNoLeak(t, "Explain", text, reportToken)
}

func TestExplainArguments(t *testing.T) {
	isolate(t)
	_, err := Explain("a\x00b")
	if e := wantErr(t, err, ErrInvalidArgument); !strings.Contains(e.Message, "NUL") || e.Op != "secret_explain" {
		t.Errorf("unexpected error %#v", e)
	}
	_, err = Explain("bad\xffname")
	if e := wantErr(t, err, ErrInvalidArgument); !strings.Contains(e.Message, "name") || e.Op != "secret_explain" {
		t.Errorf("unexpected error %#v", e)
	}
	// The empty name is a name like any other.
	wantContains(t, "Explain", mustExplain(t, ""), `secret "": not found`)
}

func TestConfigViewMasksCredentials(t *testing.T) {
	isolate(t)
	mustOK(t, SetAuthToken(reportToken))
	mustOK(t, ContextSet("report_secret", reportValue))

	view := mustConfigView(t, true)
	wantContains(t, "ConfigView(true)", view, "\nauth_token = \"******** (text)\"  # this library's API\n")
	wantContains(t, "ConfigView(true)", view, "\nreport_secret = \"******** (text)\"  # this library's API\n")
	wantContains(t, "ConfigView(true)", view, "\n[cloud]\n")
	wantNoLeak(t, "ConfigView(true)", view, reportToken, reportValue)

	view = mustConfigView(t, false)
	wantContains(t, "ConfigView(false)", view, "\nauth_token = \"******** (text)\"\n")
	wantNoLeak(t, "ConfigView(false)", view, reportToken, reportValue, "  # ")
}

func TestConfigViewBrokenConfiguration(t *testing.T) {
	isolate(t)
	t.Setenv("PREFECT__CONTEXT__SECRETS__S", `dangling\`)
	wantErr(t, ResetConfig(), ErrConfig)
	_, err := ConfigView(true)
	if e := wantErr(t, err, ErrConfig); e.Op != "secret_config_view" {
		t.Errorf("unexpected error %#v", e)
	}
	// Explain reports a configuration that cannot be loaded instead of failing.
	text := mustExplain(t, "s")
	wantContains(t, "Explain", text, `secret "s"`)
	wantContains(t, "Explain", text, "PREFECT__CONTEXT__SECRETS__S")
}

func TestSetConfig(t *testing.T) {
	isolate(t)
	mustOK(t, SetConfig("cache_ttl", "2.5"))
	mustOK(t, SetConfig("cloud.server_flavor", "prefect-3"))
	mustOK(t, SetConfig("allow_insecure_http", "TRUE"))
	view := mustConfigView(t, false)
	wantContains(t, "ConfigView", view, "\ncache_ttl = 2.5\n")
	wantContains(t, "ConfigView", view, "\nserver_flavor = \"prefect-3\"\n")
	wantContains(t, "ConfigView", view, "\nallow_insecure_http = true\n")

	// Unset: the default applies again.
	mustOK(t, UnsetConfig("cache_ttl"))
	if view := mustConfigView(t, false); strings.Contains(view, "cache_ttl") {
		t.Errorf("ConfigView after UnsetConfig(\"cache_ttl\") still has it:\n%s", view)
	}
	wantErr(t, UnsetConfig("use_local_secrets"), ErrInvalidArgument)
	wantErr(t, UnsetConfig("no_such_key"), ErrInvalidArgument)
}

func TestSetConfigCredential(t *testing.T) {
	isolate(t)
	srv := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 200, "body": {"data": {"secretValue": "v"}}}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "")
	mustOK(t, SetConfig("auth_token", reportToken))
	view := mustConfigView(t, true)
	wantContains(t, "ConfigView(true)", view, "\nauth_token = \"******** (text)\"  # this library's API\n")
	wantNoLeak(t, "ConfigView(true)", view, reportToken)
	wantNoLeak(t, "Explain", mustExplain(t, "DB"), reportToken)

	// The library has the whole token.
	wantValue(t, Get, "DB", "v")
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests: %s", len(reqs), pyDumps(reqs))
	}
	if auth, _ := reqs[0].(*pyObj).get("authorization"); auth != "Bearer "+reportToken {
		t.Errorf("authorization %v, want the token set with SetConfig", auth)
	}

	mustOK(t, UnsetConfig("auth_token"))
	if view := mustConfigView(t, false); strings.Contains(view, "auth_token") {
		t.Errorf("ConfigView after UnsetConfig(\"auth_token\") still has it:\n%s", view)
	}
}

func TestSetConfigErrors(t *testing.T) {
	isolate(t)
	before := mustConfigView(t, true)

	e := wantErr(t, SetConfig("no_such_key", "1"), ErrInvalidArgument)
	// An unknown key is not repeated (it may be a value passed in its place); the
	// settings are listed instead.
	if e.Op != "secret_config_set" || strings.Contains(e.Message, "no_such_key") ||
		!strings.Contains(e.Message, "the settings are use_local_secrets, ") {
		t.Errorf("unexpected error %#v", e)
	}
	wantNoLeak(t, "the message", e.Message, "1")
	e = wantErr(t, SetConfig("no_such_key", reportToken), ErrInvalidArgument)
	wantNoLeak(t, "the message", e.Error(), reportToken)

	// A value of the wrong kind: the message names the key, never the value.
	for _, key := range []string{"max_reply_bytes", "cache_ttl", "use_local_secrets", "server_flavor"} {
		e = wantErr(t, SetConfig(key, reportToken), ErrInvalidArgument)
		wantContains(t, "the message", e.Message, key)
		wantNoLeak(t, "the message", e.Error(), reportToken)
	}
	wantErr(t, SetConfig("cache_ttl", "-1"), ErrInvalidArgument)

	// NUL bytes are refused before the call, and the value is not repeated.
	for _, c := range [][2]string{{"cache\x00_ttl", "1"}, {"auth_token", "tok\x00" + reportToken}} {
		e = wantErr(t, SetConfig(c[0], c[1]), ErrInvalidArgument)
		wantContains(t, "the message", e.Message, "NUL")
		wantNoLeak(t, "the message", e.Error(), reportToken)
	}
	wantErr(t, UnsetConfig("cache\x00_ttl"), ErrInvalidArgument)

	// A failed SetConfig changes nothing.
	if after := mustConfigView(t, true); after != before {
		t.Errorf("the configuration changed after failed calls:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
