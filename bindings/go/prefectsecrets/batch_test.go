package prefectsecrets

// Tests of the batch get's binding (GetMany and its variants): names and values cross to
// C and back in order, each entry's status becomes its Result, the batch's error is the
// first failure's, and a context bounds the call. What the library resolves is tested in
// Rust and C.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// wantResults checks results against want, entry by entry (Err compared by sentinel).
func wantResults(t *testing.T, results []Result, want []Result) {
	t.Helper()
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(results), len(want), results)
	}
	for i, w := range want {
		r := results[i]
		if r.Name != w.Name || r.Value != w.Value || r.Found != w.Found {
			t.Errorf("results[%d] = %q, %q, %v; want %q, %q, %v", i, r.Name, clip(r.Value, 60), r.Found,
				w.Name, clip(w.Value, 60), w.Found)
		}
		if w.Err == nil {
			if r.Err != nil {
				t.Errorf("results[%d] (%q): unexpected error %v", i, r.Name, r.Err)
			}
			continue
		}
		if e := wantErr(t, r.Err, w.Err.(*Error)); e.Op != "secret_get_many" {
			t.Errorf("results[%d]: Op %q, want secret_get_many", i, e.Op)
		}
	}
}

// Each entry is what a single get of its name gives (Get, or GetJSON for the JSON
// variants): text, a dict, NUL bytes, empty, long, set in the environment or the context,
// not found, duplicates.
func TestGetManyValues(t *testing.T) {
	isolate(t)
	t.Setenv("PREFECT__CONTEXT__SECRETS__FROM_ENV", `{"user": "svc", "port": 5432}`)
	mustOK(t, ResetConfig())
	long := "<" + strings.Repeat("0123456789", 100_000) + ">"
	for name, value := range map[string]string{"token": "hunter2", "nul": "a\x00b", "empty": "",
		"unicode": "mot de passe été", "long": long, "none": "null", "number": "42"} {
		mustOK(t, ContextSet(name, value))
	}
	names := []string{"token", "from_env", "missing", "nul", "empty", "unicode", "long", "none", "number", "token"}
	for _, c := range []struct {
		many func([]string) ([]Result, error)
		one  func(string) (string, bool, error)
	}{{GetMany, Get}, {GetManyJSON, GetJSON},
		{func(n []string) ([]Result, error) { return GetManyContext(context.Background(), n) }, Get},
		{func(n []string) ([]Result, error) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			return GetManyJSONContext(ctx, n)
		}, GetJSON}} {
		results, err := c.many(names)
		mustOK(t, err)
		want := make([]Result, len(names))
		for i, name := range names {
			v, found, err := c.one(name)
			mustOK(t, err)
			want[i] = Result{Name: name, Value: v, Found: found}
		}
		wantResults(t, results, want)
	}
	// The values themselves, once, for the text variant.
	results, err := GetMany(names)
	mustOK(t, err)
	for i, want := range []string{"hunter2", `{"user":"svc","port":5432}`, "", "a\x00b", "",
		"mot de passe été", long, "", "42", "hunter2"} {
		if results[i].Value != want || results[i].Found != (i != 2 && i != 7) {
			t.Errorf("results[%d] = %q, %v", i, clip(results[i].Value, 40), results[i].Found)
		}
	}

	for _, names := range [][]string{nil, {}} {
		for _, many := range []func([]string) ([]Result, error){GetMany, GetManyJSON} {
			if results, err := many(names); err != nil || len(results) != 0 {
				t.Errorf("no names: %v, %v; want no results and no error", results, err)
			}
		}
	}
}

// A name C cannot carry (a NUL byte) fails its own entry before the library is called;
// one the library refuses (not UTF-8) fails its own entry there; the others resolve, and
// the error is the first failure's, naming it.
func TestGetManyEntryErrors(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("a", "1"))
	names := []string{"a", "bad\xffname", "nul\x00name", "missing", "a"}
	for _, many := range []func([]string) ([]Result, error){GetMany, GetManyJSON} {
		results, err := many(names)
		wantResults(t, results, []Result{{Name: "a", Value: "1", Found: true},
			{Name: "bad\xffname", Err: ErrInvalidArgument}, {Name: "nul\x00name", Err: ErrInvalidArgument},
			{Name: "missing"}, {Name: "a", Value: "1", Found: true}})
		if e := results[1].Err.(*Error); !strings.HasPrefix(e.Message, "names[1]: ") || !strings.Contains(e.Message, "UTF-8") {
			t.Errorf("the library's message for names[1]: %q", e.Message)
		}
		if e := results[2].Err.(*Error); e.Message != "name contains a NUL byte" {
			t.Errorf("the binding's message for names[2]: %q", e.Message)
		}
		e := wantErr(t, err, ErrInvalidArgument)
		want := `2 of 5 names failed; the first, names[1] "bad\xffname": names[1]: `
		if e.Op != "secret_get_many" || !strings.HasPrefix(e.Message, want) {
			t.Errorf("batch error %#v", e)
		}
	}
	// Only names the library never sees.
	results, err := GetMany([]string{"\x00", "x\x00"})
	wantResults(t, results, []Result{{Name: "\x00", Err: ErrInvalidArgument}, {Name: "x\x00", Err: ErrInvalidArgument}})
	if e := wantErr(t, err, ErrInvalidArgument); !strings.HasPrefix(e.Message, `2 of 2 names failed; the first, names[0] "\x00": `) {
		t.Errorf("batch error %q", e.Message)
	}
}

// A failure of the whole configuration fails every entry with its status: flow building
// and a broken configuration. No value is in any message.
func TestGetManyEveryEntryFails(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("db", "dv-go-batch-7c1d"))
	mustOK(t, SetFlowBuilding(true))
	results, err := GetManyJSON([]string{"db", "missing"})
	wantResults(t, results, []Result{{Name: "db", Err: ErrFlowBuilding}, {Name: "missing", Err: ErrFlowBuilding}})
	e := wantErr(t, err, ErrFlowBuilding)
	want := `2 of 2 names failed; the first, names[0] "db": Secrets should only be retrieved during a Flow run`
	if !strings.HasPrefix(e.Message, want) {
		t.Errorf("batch error %q, want it to start with %q", e.Message, want)
	}
	mustOK(t, SetFlowBuilding(false))

	t.Setenv("PREFECT__CONTEXT__SECRETS__S", `dangling\`)
	wantErr(t, ResetConfig(), ErrConfig)
	results, err = GetMany([]string{"s", "db"})
	wantResults(t, results, []Result{{Name: "s", Err: ErrConfig}, {Name: "db", Err: ErrConfig}})
	wantErr(t, err, ErrConfig)
	for _, r := range append(results, Result{Err: err}) {
		if strings.Contains(r.Err.Error(), "dv-go") || strings.Contains(r.Err.Error(), "dangling") {
			t.Errorf("a value in the message %q", r.Err)
		}
	}
}

// Against a Prefect 3 server: one filter request for every name (after the CSRF token
// query), values decoded as a single get decodes them, names the server lacks not found.
func TestGetManyPrefect3(t *testing.T) {
	isolate(t)
	blocks := newBlocksServer(t, map[string]string{"db": `{"user": "svc", "port": 5432}`,
		"token": `"hunter2"`, "json-text": `"{\"a\": 1}"`, "null": "null"})
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetAPIURL(blocks.URL+"/api"))
	mustOK(t, SetAPIKey("pnu_batch"))
	names := []string{"db", "missing", "token", "json-text", "null", "db"}
	results, err := GetMany(names)
	mustOK(t, err)
	wantResults(t, results, []Result{{Name: "db", Value: `{"user":"svc","port":5432}`, Found: true},
		{Name: "missing"}, {Name: "token", Value: "hunter2", Found: true},
		{Name: "json-text", Value: `{"a":1}`, Found: true}, {Name: "null"},
		{Name: "db", Value: `{"user":"svc","port":5432}`, Found: true}})
	// Prefect's client asks a self-hosted server for a CSRF token first; told protection
	// is off, it sends the filter without one.
	if reqs := blocks.requests(); fmt.Sprint(reqs) != "[GET /api/csrf-token POST /api/block_documents/filter]" {
		t.Errorf("requests %q; want the CSRF token query, then one filter", reqs)
	}
	for _, a := range blocks.authorizations() {
		if a != "Bearer pnu_batch" {
			t.Errorf("Authorization %q", a)
		}
	}

	results, err = GetManyJSON([]string{"token", "missing"})
	mustOK(t, err)
	wantResults(t, results, []Result{{Name: "token", Value: `"hunter2"`, Found: true}, {Name: "missing"}})
	if reqs := blocks.requests(); len(reqs) != 3 || reqs[2] != "POST /api/block_documents/filter" {
		t.Errorf("requests %q; want one more filter (the server's answer on CSRF is known)", reqs)
	}
}

// A context bounds the batch: already done, no request; a deadline is passed down, so the
// library's call ends by it while the server holds the filter, and the error is ctx's.
func TestGetManyContextDeadline(t *testing.T) {
	isolate(t)
	blocks := newBlocksServer(t, map[string]string{"db": `"v"`})
	blocks.holdFilters(t)
	mustOK(t, SetServerFlavor(ServerPrefect3))
	mustOK(t, SetAPIURL(blocks.URL+"/api"))
	mustOK(t, SetTimeouts(time.Second, 20*time.Second))

	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, ctx := range []context.Context{expired, cancelled} {
		for _, many := range []func(context.Context, []string) ([]Result, error){GetManyContext, GetManyJSONContext} {
			if results, err := many(ctx, []string{"db"}); results != nil || !errors.Is(err, ctx.Err()) {
				t.Errorf("got %v, %v; want nil and %v", results, err, ctx.Err())
			}
		}
	}
	if reqs := blocks.requests(); len(reqs) != 0 {
		t.Errorf("a done context asked the server: %q", reqs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	if results, err := GetManyContext(ctx, []string{"db", "other"}); results != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, %v; want nil and context.DeadlineExceeded", results, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a 400ms deadline returned after %v", d)
	}

	// The library call itself (what GetManyContext runs in its goroutine) ends at the
	// deadline passed down, each asked entry failing with the deadline's message.
	start = time.Now()
	r := callGetMany([]string{"db", "bad\x00", "other"}, []bool{false, true, false}, false, 0.3)
	results := []Result{{Name: "db"}, {Name: "bad\x00", Err: checkCString(opGetMany, "name", "bad\x00")}, {Name: "other"}}
	mustOK(t, takeBatch(r, results, []bool{false, true, false}))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a 300ms deadline ended the call after %v", d)
	}
	wantResults(t, results, []Result{{Name: "db", Err: ErrClient}, {Name: "bad\x00", Err: ErrInvalidArgument},
		{Name: "other", Err: ErrClient}})
	if e := results[0].Err.(*Error); !strings.Contains(e.Message, "deadline") {
		t.Errorf("message %q does not name the deadline", e.Message)
	}
	if reqs := blocks.requests(); len(reqs) < 2 || reqs[len(reqs)-1] != "POST /api/block_documents/filter" {
		t.Errorf("requests %q; want the filters the library gave up on", reqs)
	}
}

// Many goroutines at once, each with its own names and a failure of its own: each gets
// its own values and its own error (run with -race; each batch is freed once).
func TestGetManyConcurrent(t *testing.T) {
	isolate(t)
	for g := 0; g < 16; g++ {
		mustOK(t, ContextSet(fmt.Sprintf("k%d", g), fmt.Sprintf(`{"g": %d}`, g)))
	}
	parallel(t, 16, func(g int) error {
		own := fmt.Sprintf("k%d", g)
		bad := fmt.Sprintf("bad%d\xff", g)
		for i := 0; i < 100; i++ {
			results, err := GetMany([]string{own, "missing", bad})
			var e *Error
			if len(results) != 3 || results[0].Value != fmt.Sprintf(`{"g":%d}`, g) || results[1].Found ||
				!errors.Is(results[2].Err, ErrInvalidArgument) || !errors.As(err, &e) ||
				!strings.Contains(e.Message, fmt.Sprintf("%q", bad)) {
				return fmt.Errorf("goroutine %d: %+v, %v", g, results, err)
			}
		}
		return nil
	})
}
