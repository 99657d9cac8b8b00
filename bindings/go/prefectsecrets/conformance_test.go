package prefectsecrets

// The conformance kit (../../../../shared/conformance, run.py and libworker.py) run through
// this binding: each case of tests/conformance/public-cases.json is set up as run.py
// sets it up (environment, HOME, loopback GraphQL server), answered as libworker.py
// answers it (but through the Go API), and judged as run.py's judge() judges it against
// the outcomes Prefect 0.5.3 gave (tests/conformance/public-expected.json).
//
// PREFECT_SECRETS_CONFORMANCE=CASES.json:EXPECTED.json runs another pair of files too
// (e.g. ../../../tests/conformance/cases.json:../../../tests/conformance/expected.json).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	publicCases    = "../../../tests/conformance/public-cases.json"
	publicExpected = "../../../tests/conformance/public-expected.json"
)

func TestConformancePublic(t *testing.T) {
	runConformance(t, publicCases, publicExpected)
}

func TestConformanceExtra(t *testing.T) {
	pair := os.Getenv("PREFECT_SECRETS_CONFORMANCE")
	if pair == "" {
		t.Skip("set PREFECT_SECRETS_CONFORMANCE=CASES.json:EXPECTED.json to run more cases")
	}
	i := strings.LastIndexByte(pair, ':')
	if i < 0 {
		t.Fatalf("PREFECT_SECRETS_CONFORMANCE=%q is not CASES.json:EXPECTED.json", pair)
	}
	runConformance(t, pair[:i], pair[i+1:])
}

func loadJSONFile(t *testing.T, path string) interface{} {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			t.Skipf("%s not found (the module is not inside the prefect-secrets repository)", path)
		}
		t.Fatal(err)
	}
	v, err := parsePyJSON(string(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func runConformance(t *testing.T, casesPath, expectedPath string) {
	cases, _ := loadJSONFile(t, casesPath).([]interface{})
	expectedList, _ := loadJSONFile(t, expectedPath).([]interface{})
	expected := map[string]*pyObj{}
	for _, e := range expectedList {
		o := e.(*pyObj)
		id, _ := o.get("id")
		want, _ := o.get("expected")
		expected[id.(string)] = want.(*pyObj)
	}
	// The library's state is process-wide: put it back as the environment has it.
	t.Cleanup(func() { _ = ResetConfig() })

	passed, failed := 0, 0
	var failures []string
	for _, c := range cases {
		c := c.(*pyObj)
		idv, _ := c.get("id")
		id := idv.(string)
		want, ok := expected[id]
		if !ok {
			t.Errorf("FAIL %s - no expected outcome in %s", id, expectedPath)
			failed++
			continue
		}
		ok = t.Run(id, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			got, marks, err := runCase(c, home)
			if err != nil {
				t.Fatalf("FAIL %s - setting up the case: %v", id, err)
			}
			if why := judge(substitute(want, marks).(*pyObj), got); why != "" {
				t.Errorf("FAIL %s - %s", id, why)
			}
		})
		if ok {
			passed++
		} else {
			failed++
			failures = append(failures, id)
		}
	}
	t.Logf("%s: %d passed, %d failed", filepath.Base(casesPath), passed, failed)
	if failed > 0 {
		t.Logf("failed cases: %s", strings.Join(failures, ", "))
	}
}

// outcome is libworker.py's answer for one case.
type outcome struct {
	status    string // "value", "none" or "error"
	err       string // the error kind, when status is "error"
	message   string
	jsonBytes string // secret_get_json's bytes
	rawStatus string // secret_get's status, when secret_get_json found a value
	raw       []byte // secret_get's bytes, when it found a value
	requests  []interface{}
	withLog   bool
}

var errorKinds = map[int32]string{
	StatusInvalidArgument: "invalid_argument",
	StatusBufferTooSmall:  "buffer_too_small",
	StatusFlowBuilding:    "flow_building",
	StatusAuth:            "auth",
	StatusClient:          "client",
	StatusConfig:          "config",
	StatusInternal:        "internal",
}

// errorKind names err's status as libworker.py does.
func errorKind(err error) (string, string) {
	var e *Error
	if !errors.As(err, &e) {
		return "go:" + err.Error(), err.Error()
	}
	if k, ok := errorKinds[e.Code]; ok {
		return k, e.Message
	}
	return fmt.Sprint(e.Code), e.Message
}

func substitute(v interface{}, marks map[string]string) interface{} {
	switch x := v.(type) {
	case string:
		for k, m := range marks {
			x = strings.ReplaceAll(x, k, m)
		}
		return x
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			out[i] = substitute(e, marks)
		}
		return out
	case *pyObj:
		out := newObj()
		for _, k := range x.keys {
			out.set(k, substitute(x.vals[k], marks))
		}
		return out
	}
	return v
}

// pyTruthy is Python's bool(value).
func pyTruthy(v interface{}) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case pyInt:
		return x != "0"
	case float64:
		return x != 0
	case string:
		return x != ""
	case []interface{}:
		return len(x) > 0
	case *pyObj:
		return len(x.keys) > 0
	}
	return true
}

// runCase runs one case as run.py's run_side and libworker.py do. The marks are the
// placeholder substitutions ({HOME}, {SERVER}) to apply to the expected outcome too.
func runCase(raw *pyObj, home string) (got outcome, marks map[string]string, err error) {
	if err := os.MkdirAll(home, 0o755); err != nil {
		return got, nil, err
	}
	marks = map[string]string{"{HOME}": home}
	var srv *scriptServer
	if spec, ok := raw.get("server"); ok {
		srv = newScriptServer(spec)
		defer srv.Close()
		marks["{SERVER}"] = srv.URL
	}
	c := substitute(raw, marks).(*pyObj)
	str := func(key string) (string, bool) {
		v, ok := c.get(key)
		s, isStr := v.(string)
		return s, ok && v != nil && isStr
	}
	if text, ok := str("user_config"); ok {
		if err := writeFile(filepath.Join(home, ".prefect", "config.toml"), text); err != nil {
			return got, nil, err
		}
	}
	if text, ok := str("credentials"); ok {
		if err := writeFile(filepath.Join(home, ".prefect", ".credentials", "auth_token"), text); err != nil {
			return got, nil, err
		}
	}

	// The environment of run.py's fresh process: PATH, LANG, HOME, then the case's
	// variables in the case's order. Everything else (PREFECT__* included) is unset for
	// the case and put back afterwards.
	saved := os.Environ()
	defer restoreEnv(saved)
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/bin:/bin"
	}
	os.Clearenv()
	os.Setenv("PATH", path)
	os.Setenv("LANG", "C.UTF-8")
	os.Setenv("HOME", home)
	if env, ok := c.get("env"); ok {
		env := env.(*pyObj)
		for _, k := range env.keys {
			v, ok := env.vals[k].(string)
			if !ok {
				return got, nil, fmt.Errorf("env %s is not a string", k)
			}
			if err := os.Setenv(k, v); err != nil {
				return got, nil, fmt.Errorf("env %s: %v", k, err)
			}
		}
	}

	got = answer(c)
	if srv != nil {
		got.withLog = true
		got.requests = srv.requests()
	}
	return got, marks, nil
}

func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func restoreEnv(saved []string) {
	os.Clearenv()
	for _, kv := range saved {
		if i := strings.IndexByte(kv, '='); i > 0 {
			os.Setenv(kv[:i], kv[i+1:])
		}
	}
}

// answer is libworker.py's main() through the Go API, after a reset that makes the
// library load the configuration from the case's environment and HOME.
func answer(c *pyObj) outcome {
	fail := func(err error) outcome {
		kind, msg := errorKind(err)
		return outcome{status: "error", err: kind, message: msg}
	}
	if err := ResetConfig(); err != nil {
		return fail(err)
	}
	if cs, ok := c.get("config_set"); ok {
		cs := cs.(*pyObj)
		for _, k := range cs.keys {
			v := cs.vals[k]
			s, _ := v.(string)
			var err error
			switch k {
			case "use_local_secrets":
				err = SetUseLocalSecrets(pyTruthy(v))
			case "auth_token":
				err = SetAuthToken(s)
			case "cloud_graphql":
				err = SetCloudGraphQL(s)
			default:
				err = fmt.Errorf("unknown config_set key %s", k)
			}
			if err != nil {
				o := fail(err)
				o.message = "config_set " + k
				return o
			}
		}
	}
	if ctx, ok := c.get("context_set"); ok {
		ctx := ctx.(*pyObj)
		for _, k := range ctx.keys {
			v, _ := ctx.vals[k].(string)
			_ = ContextSet(k, v) // libworker.py ignores these statuses too
		}
	}
	if fb, ok := c.get("flow_building"); ok && pyTruthy(fb) {
		_ = SetFlowBuilding(true)
	}
	nv, _ := c.get("name")
	name, _ := nv.(string)

	// GetJSON then Get from one OS thread, so that the library's per-thread reuse of a
	// server value serves the second call (as in libworker.py's single thread).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	js, found, err := GetJSON(name)
	switch {
	case err != nil:
		return fail(err)
	case !found:
		return outcome{status: "none"}
	}
	out := outcome{status: "value", jsonBytes: js}
	raw, found, err := Get(name)
	switch {
	case err != nil:
		out.rawStatus, _ = errorKind(err)
	case !found:
		out.rawStatus = "none"
	default:
		out.rawStatus, out.raw = "value", []byte(raw)
	}
	return out
}

// judge is run.py's judge(): "" when the library agrees with Prefect 0.5.3, else why not.
func judge(want *pyObj, got outcome) string {
	field := func(k string) string {
		v, _ := want.get(k)
		s, _ := v.(string)
		return s
	}
	wstatus := field("status")
	if wstatus == "error" && field("error") == "recursion" {
		if got.status == "value" || got.status == "error" {
			return ""
		}
		return "crashed on deep nesting"
	}
	if wstatus == "crash" {
		return "oracle crashed: " + field("message")
	}
	if wstatus != got.status {
		return fmt.Sprintf("status %s, expected %s (%s %s)", got.status, wstatus, got.err, got.message)
	}
	if wstatus == "error" && field("error") != got.err {
		return fmt.Sprintf("error %s, expected %s (%s); library message: %q",
			got.err, field("error"), field("message"), got.message)
	}
	if wstatus == "value" {
		expected, err := parsePyJSON(field("json"))
		if err != nil {
			return "the expected JSON does not parse: " + err.Error()
		}
		value, err := parsePyJSON(got.jsonBytes)
		if err != nil {
			return fmt.Sprintf("GetJSON wrote invalid JSON: %q", clip(got.jsonBytes, 80))
		}
		if !same(expected, value) {
			return fmt.Sprintf("GetJSON %q, expected %q", clip(got.jsonBytes, 120), clip(field("json"), 120))
		}
		if got.rawStatus != "value" {
			return fmt.Sprintf("Get status %s where GetJSON found a value", got.rawStatus)
		}
		if s, ok := expected.(string); ok {
			if !hasSurrogate(s) && string(got.raw) != s {
				return fmt.Sprintf("Get %q, expected the string itself %q", clip(string(got.raw), 80), clip(s, 80))
			}
		} else {
			v, err := parsePyJSON(string(got.raw))
			if err != nil {
				return fmt.Sprintf("Get %q is not JSON of a non-string value", clip(string(got.raw), 80))
			}
			if !same(expected, v) {
				return fmt.Sprintf("Get %q, expected JSON of %q", clip(string(got.raw), 80), clip(field("json"), 80))
			}
		}
	}
	var wreq []interface{}
	if v, ok := want.get("requests"); ok {
		wreq, _ = v.([]interface{})
	}
	greq := got.requests
	prefixOK := len(greq) >= len(wreq)
	for i := 0; prefixOK && i < len(wreq); i++ {
		prefixOK = pyEq(wreq[i], greq[i])
	}
	if !prefixOK || (len(wreq) == 0 && len(greq) > 0) || len(greq) > 2*len(wreq) {
		return fmt.Sprintf("requests %s, expected %s", clip(pyDumps(greq), 300), clip(pyDumps(wreq), 300))
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
