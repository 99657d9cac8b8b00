package prefectsecrets

// The conformance kit's public cases through this binding: each case of
// tests/conformance/public-cases.json is set up as run.py sets it up (environment, HOME,
// loopback GraphQL server), answered as libworker.py answers it (through the Go API), and
// judged as run.py's judge() against the outcomes Prefect 0.5.3 gave (public-expected.json).
// The reader handles what the public cases hold (plain JSON; expected values that are JSON
// texts, or NaN/Infinity); the full set (cases.json) is run.py's, against the C ABI.
//
// PREFECT_SECRETS_CONFORMANCE=CASES.json:EXPECTED.json runs another pair of files of that
// shape (scripts/test-bindings-dist: the public ones, for the packaged module).

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestConformancePublic(t *testing.T) {
	runConformance(t, "../../../tests/conformance/public-cases.json", "../../../tests/conformance/public-expected.json")
}

func TestConformanceExtra(t *testing.T) {
	pair := os.Getenv("PREFECT_SECRETS_CONFORMANCE")
	i := strings.LastIndexByte(pair, ':')
	if i < 0 {
		t.Skip("set PREFECT_SECRETS_CONFORMANCE=CASES.json:EXPECTED.json to run more cases")
	}
	runConformance(t, pair[:i], pair[i+1:])
}

type confCase struct {
	ID           string
	Name         string
	Env          map[string]string
	UserConfig   *string `json:"user_config"`
	Credentials  *string
	ConfigSet    map[string]interface{} `json:"config_set"`
	ContextSet   map[string]string      `json:"context_set"`
	FlowBuilding bool                   `json:"flow_building"`
	Server       *struct {
		Responses []reply
		Refresh   *reply
	}
}

type confExpected struct {
	Status, Error, Message, JSON string
	Requests                     []logged
}

func loadJSONFile(t *testing.T, path string, v interface{}) {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not found (the module is not inside the prefect-secrets repository)", path)
	} else if err != nil || json.Unmarshal(data, v) != nil {
		t.Fatalf("%s: cannot read it as JSON (%v)", path, err)
	}
}

func runConformance(t *testing.T, casesPath, expectedPath string) {
	var cases []json.RawMessage
	var expectedList []struct {
		ID       string
		Expected json.RawMessage
	}
	loadJSONFile(t, casesPath, &cases)
	loadJSONFile(t, expectedPath, &expectedList)
	expected := map[string]json.RawMessage{}
	for _, e := range expectedList {
		expected[e.ID] = e.Expected
	}
	t.Cleanup(func() { _ = ResetConfig() }) // put the library back as the environment has it

	passed, failed := 0, 0
	for _, raw := range cases {
		var c confCase
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", casesPath, err)
		}
		ok := t.Run(c.ID, func(t *testing.T) {
			want, ok := expected[c.ID]
			if !ok {
				t.Fatalf("FAIL %s - no expected outcome in %s", c.ID, expectedPath)
			}
			home := filepath.Join(t.TempDir(), "home")
			marks := strings.NewReplacer("{HOME}", home)
			var srv *scriptServer
			if c.Server != nil {
				srv = newScriptServer(c.Server.Responses, c.Server.Refresh)
				defer srv.Close()
				marks = strings.NewReplacer("{HOME}", home, "{SERVER}", srv.URL)
			}
			var cs confCase // a new one: the server keeps c's replies
			var w confExpected
			mustOK(t, json.Unmarshal([]byte(marks.Replace(string(raw))), &cs))
			mustOK(t, json.Unmarshal([]byte(marks.Replace(string(want))), &w))
			got := runCase(t, cs, home)
			if srv != nil {
				got.requests = srv.requests()
			}
			if why := judge(w, got); why != "" {
				t.Errorf("FAIL %s - %s", c.ID, why)
			}
		})
		if ok {
			passed++
		} else {
			failed++
		}
	}
	t.Logf("%s: %d passed, %d failed", filepath.Base(casesPath), passed, failed)
}

// outcome is libworker.py's answer for one case.
type outcome struct {
	status, err, message string // status: "value", "none" or "error"; err: the error kind
	json                 string // GetJSON's value
	rawStatus, raw       string // Get's status and value, when GetJSON found a value
	requests             []logged
}

// errorKind names err's status as libworker.py does.
func errorKind(err error) (string, string) {
	if e := (*Error)(nil); errors.As(err, &e) {
		return strings.ToLower(strings.TrimPrefix(statusName(e.Code), "SECRET_ERR_")), e.Message
	}
	return "go", err.Error()
}

// runCase sets up the process as run.py's fresh process (PATH, LANG, HOME, the case's
// files and variables; everything else unset, and put back afterwards), then answers
// as libworker.py does.
func runCase(t *testing.T, c confCase, home string) outcome {
	if c.UserConfig != nil {
		mustOK(t, writeFile(filepath.Join(home, ".prefect", "config.toml"), *c.UserConfig))
	}
	if c.Credentials != nil {
		mustOK(t, writeFile(filepath.Join(home, ".prefect", ".credentials", "auth_token"), *c.Credentials))
	}
	mustOK(t, os.MkdirAll(home, 0o755))
	saved, path := os.Environ(), os.Getenv("PATH")
	defer func() {
		os.Clearenv()
		for _, kv := range saved {
			if i := strings.IndexByte(kv, '='); i > 0 {
				os.Setenv(kv[:i], kv[i+1:])
			}
		}
	}()
	os.Clearenv()
	os.Setenv("PATH", path)
	os.Setenv("LANG", "C.UTF-8")
	os.Setenv("HOME", home)
	for k, v := range c.Env { // after those, as run.py sets them
		mustOK(t, os.Setenv(k, v))
	}

	fail := func(err error) outcome {
		kind, msg := errorKind(err)
		return outcome{status: "error", err: kind, message: msg}
	}
	if err := ResetConfig(); err != nil {
		return fail(err)
	}
	for k, v := range c.ConfigSet {
		s, _ := v.(string)
		var err error
		switch k {
		case "use_local_secrets":
			err = SetUseLocalSecrets(v == true)
		case "auth_token":
			err = SetAuthToken(s)
		case "cloud_graphql":
			err = SetCloudGraphQL(s)
		default:
			t.Fatalf("unknown config_set key %s", k)
		}
		if err != nil {
			return fail(err)
		}
	}
	for k, v := range c.ContextSet {
		_ = ContextSet(k, v) // libworker.py ignores these statuses too
	}
	if c.FlowBuilding {
		_ = SetFlowBuilding(true)
	}
	// GetJSON then Get from one OS thread, so that the library's per-thread reuse of a
	// server value serves the second call (as in libworker.py's single thread).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	js, found, err := GetJSON(c.Name)
	switch {
	case err != nil:
		return fail(err)
	case !found:
		return outcome{status: "none"}
	}
	out := outcome{status: "value", json: js, rawStatus: "value"}
	out.raw, found, err = Get(c.Name)
	switch {
	case err != nil:
		out.rawStatus, _ = errorKind(err)
	case !found:
		out.rawStatus = "none"
	}
	return out
}

// judge is run.py's judge(): "" when the library agrees with Prefect 0.5.3, else why not.
func judge(want confExpected, got outcome) string {
	switch {
	case want.Status != got.status:
		return fmt.Sprintf("status %s, expected %s (%s %s)", got.status, want.Status, got.err, got.message)
	case want.Status == "error" && want.Error != got.err:
		return fmt.Sprintf("error %s, expected %s (%s); library message: %q", got.err, want.Error, want.Message, got.message)
	case want.Status == "value" && !sameJSON(want.JSON, got.json):
		return fmt.Sprintf("GetJSON %q, expected %q", clip(got.json, 120), clip(want.JSON, 120))
	case want.Status == "value" && got.rawStatus != "value":
		return fmt.Sprintf("Get status %s where GetJSON found a value", got.rawStatus)
	case want.Status == "value":
		var s string
		if json.Unmarshal([]byte(want.JSON), &s) == nil {
			if got.raw != s {
				return fmt.Sprintf("Get %q, expected the string itself %q", clip(got.raw, 80), clip(s, 80))
			}
		} else if !sameJSON(want.JSON, got.raw) {
			return fmt.Sprintf("Get %q, expected JSON of %q", clip(got.raw, 80), clip(want.JSON, 80))
		}
	}
	wreq, greq := want.Requests, got.requests
	if len(greq) < len(wreq) || (len(wreq) > 0 && !reflect.DeepEqual(wreq, greq[:len(wreq)])) ||
		(len(wreq) == 0 && len(greq) > 0) || len(greq) > 2*len(wreq) {
		g, _ := json.Marshal(greq)
		w, _ := json.Marshal(wreq)
		return fmt.Sprintf("requests %s, expected %s", clip(string(g), 300), clip(string(w), 300))
	}
	return ""
}

// sameJSON is run.py's same() on two JSON texts: equal values, object key order aside.
// Numbers are compared as written (json.Number): both sides write them as Python does
// (an int's digits, a float's repr), so 1 and 1.0 differ, as in Python. NaN and Infinity,
// which JSON has not, are compared as text.
func sameJSON(a, b string) bool {
	switch a {
	case "NaN", "Infinity", "-Infinity":
		return a == b
	}
	var va, vb interface{}
	for _, x := range []struct {
		text string
		v    *interface{}
	}{{a, &va}, {b, &vb}} {
		d := json.NewDecoder(strings.NewReader(x.text))
		d.UseNumber()
		if d.Decode(x.v) != nil || d.More() {
			return false
		}
	}
	return reflect.DeepEqual(va, vb)
}
