package prefectsecrets

import (
	"math"
	"strings"
	"testing"
)

// The test harness itself: the JSON reader, the comparisons and judge() must catch
// what run.py catches, or the conformance test proves nothing.

func TestPyJSONParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want interface{}
	}{
		{"NaN", math.NaN()},
		{" -Infinity ", math.Inf(-1)},
		{"[Infinity]", []interface{}{math.Inf(1)}},
		{"123456789012345678901234567890", pyInt("123456789012345678901234567890")},
		{"-0", pyInt("0")},
		{"-0.0", math.Copysign(0, -1)},
		{"1E5", 100000.0},
		{"1e400", math.Inf(1)},
		{"1e-400", 0.0},
		{`"\ud83d\ude00"`, "\U0001F600"},
		{`"\ud800x"`, "\xed\xa0\x80x"},
		{`{"a": 1, "a": 2}`, mustParse(`{"a": 2}`)},
	} {
		got, err := parsePyJSON(c.in)
		if err != nil || !same(got, c.want) {
			t.Errorf("parse %q = %#v, %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"", "007", "+1", "[1,]", "{'a': 1}", "\"a\x01\"", "42 43", "\ufeff1", "nan", "1.", ".5"} {
		if v, err := parsePyJSON(bad); err == nil {
			t.Errorf("parse %q = %#v, want an error", bad, v)
		}
	}
}

func TestSameAndPyEq(t *testing.T) {
	p := func(s string) interface{} { return mustParse(s) }
	for _, c := range []struct {
		a, b       string
		same, pyEq bool
	}{
		{"1", "1.0", false, true},
		{"true", "1", false, true},
		{"NaN", "NaN", true, false},
		{"0.0", "-0.0", false, true},
		{`{"a": 1, "b": [2]}`, `{"b": [2], "a": 1}`, true, true},
		{`{"a": 1}`, `{"a": 1, "b": 2}`, false, false},
		{`"x"`, `"y"`, false, false},
		{"null", "null", true, true},
		{"123456789012345678901234567890", "123456789012345678901234567891", false, false},
	} {
		if got := same(p(c.a), p(c.b)); got != c.same {
			t.Errorf("same(%s, %s) = %v", c.a, c.b, got)
		}
		if got := pyEq(p(c.a), p(c.b)); got != c.pyEq {
			t.Errorf("pyEq(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

func TestPyDumps(t *testing.T) {
	for in, want := range map[string]string{
		`{"data": {"secretValue": "é\u2603\ud83d\ude00\"\n"}}`:                        `{"data": {"secretValue": "\u00e9\u2603\ud83d\ude00\"\n"}}`,
		`[1e16, 1e15, 0.0001, 0.00001, 1.5, -2.5e-7, 100000.0, NaN, -Infinity, -0.0]`: `[1e+16, 1000000000000000.0, 0.0001, 1e-05, 1.5, -2.5e-07, 100000.0, NaN, -Infinity, -0.0]`,
		`{"a": [true, false, null, 12345678901234567890123]}`:                         `{"a": [true, false, null, 12345678901234567890123]}`,
	} {
		if got := pyDumps(mustParse(in)); got != want {
			t.Errorf("pyDumps(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestJudgeCatchesMismatches(t *testing.T) {
	w := func(s string) *pyObj { return mustParse(s).(*pyObj) }
	value := func(js, raw string) outcome {
		return outcome{status: "value", jsonBytes: js, rawStatus: "value", raw: []byte(raw)}
	}
	req := `{"method": "POST", "path": "/graphql/alpha", "authorization": "Bearer t", "variables": {"name": "s"}}`
	reqs := func(n int) []interface{} {
		var out []interface{}
		for i := 0; i < n; i++ {
			out = append(out, mustParse(req))
		}
		return out
	}
	for _, c := range []struct {
		want string
		got  outcome
		ok   bool
	}{
		{`{"status": "value", "json": "42"}`, value("42", "42"), true},
		{`{"status": "value", "json": "42"}`, value("42.0", "42.0"), false},
		{`{"status": "value", "json": "\"42\""}`, value(`"42"`, "42"), true},
		{`{"status": "value", "json": "\"42\""}`, value(`"42"`, `"42"`), false},
		{`{"status": "value", "json": "NaN"}`, value("NaN", "NaN"), true},
		{`{"status": "value", "json": "-0.0"}`, value("0.0", "0.0"), false},
		{`{"status": "value", "json": "{\"a\": 1, \"b\": 2}"}`, value(`{"b":2,"a":1}`, `{"b":2,"a":1}`), true},
		{`{"status": "value", "json": "true"}`, value("1", "1"), false},
		{`{"status": "value", "json": "\"x\""}`, outcome{status: "value", jsonBytes: `"x"`, rawStatus: "client"}, false},
		{`{"status": "none"}`, outcome{status: "none"}, true},
		{`{"status": "none"}`, value(`"x"`, "x"), false},
		{`{"status": "error", "error": "auth"}`, outcome{status: "error", err: "auth"}, true},
		{`{"status": "error", "error": "auth"}`, outcome{status: "error", err: "client"}, false},
		{`{"status": "error", "error": "recursion"}`, value("[]", "[]"), true},
		{`{"status": "none", "requests": [` + req + `]}`, outcome{status: "none", requests: reqs(1)}, true},
		{`{"status": "none", "requests": [` + req + `]}`, outcome{status: "none", requests: reqs(2)}, true},
		{`{"status": "none", "requests": [` + req + `]}`, outcome{status: "none", requests: reqs(3)}, false},
		{`{"status": "none", "requests": [` + req + `]}`, outcome{status: "none"}, false},
		{`{"status": "none", "requests": []}`, outcome{status: "none", requests: reqs(1)}, false},
		{`{"status": "none", "requests": [` + strings.Replace(req, "Bearer t", "Bearer u", 1) + `]}`, outcome{status: "none", requests: reqs(1)}, false},
	} {
		why := judge(w(c.want), c.got)
		if (why == "") != c.ok {
			t.Errorf("judge(%s, %+v) = %q, want ok=%v", c.want, c.got, why, c.ok)
		}
	}
}
