package prefectsecrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// isolate gives a test a clean library state (a fresh HOME, no PREFECT__* or PREFECT_API_*
// variables, a reset configuration), put back afterwards. The state is process-wide: tests
// using it must not run in parallel.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PREFECT__") || strings.HasPrefix(kv, "PREFECT_API_") {
			k := kv[:strings.IndexByte(kv, '=')]
			t.Setenv(k, "") // restores the old value at the end
			os.Unsetenv(k)
		}
	}
	mustOK(t, ResetConfig())
	t.Cleanup(func() { _ = ResetConfig() }) // the next test must not inherit this one's context
	return home
}

var allSentinels = []*Error{ErrInvalidArgument, ErrBufferTooSmall, ErrFlowBuilding, ErrAuth,
	ErrClient, ErrConfig, ErrInternal}

// wantErr checks that err matches sentinel (and no other), is an *Error with the right
// code, an op and a message.
func wantErr(t *testing.T, err error, sentinel *Error) *Error {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not match %v", err, sentinel)
	}
	for _, other := range allSentinels {
		if other != sentinel && errors.Is(err, other) {
			t.Fatalf("error %v also matches %v", err, other)
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != sentinel.Code || e.Op == "" || e.Message == "" {
		t.Fatalf("error %#v: want an *Error with code %d, an op and a message", err, sentinel.Code)
	}
	return e
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantValue(t *testing.T, get func(string) (string, bool, error), name, want string) {
	t.Helper()
	if v, found, err := get(name); err != nil || !found || v != want {
		t.Fatalf("get(%q) = %q, %v, %v; want %q, true, nil", name, clip(v, 80), found, err, clip(want, 80))
	}
}

func wantNotFound(t *testing.T, get func(string) (string, bool, error), name string) {
	t.Helper()
	if v, found, err := get(name); err != nil || found || v != "" {
		t.Fatalf("get(%q) = %q, %v, %v; want \"\", false, nil", name, v, found, err)
	}
}

func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// reply is a scripted answer of scriptServer: a status and a JSON body, or a raw body.
type reply struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
	Raw    *string         `json:"raw"`
}

// logged is what scriptServer records of a request (run.py's log entry).
type logged struct {
	Method        string      `json:"method"`
	Path          string      `json:"path"`
	Authorization *string     `json:"authorization"`
	Variables     interface{} `json:"variables"`
}

// scriptServer is the conformance kit's loopback GraphQL server (run.py's Script and
// Handler), as far as the public cases need it: it answers the scripted replies in
// order, /refresh_token with the refresh reply, then HTTP 500 with an empty body, and
// logs every request.
type scriptServer struct {
	*httptest.Server
	mu      sync.Mutex
	replies []reply
	refresh reply
	log     []logged
}

func newScriptServer(replies []reply, refresh *reply) *scriptServer {
	s := &scriptServer{replies: replies, refresh: reply{Status: 200, Body: json.RawMessage(`{"token": "refreshed-token"}`)}}
	if refresh != nil {
		s.refresh = *refresh
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *scriptServer) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	entry := logged{Method: r.Method, Path: strings.TrimRight(r.URL.Path, "/")}
	if a, ok := r.Header["Authorization"]; ok {
		entry.Authorization = &a[0]
	}
	var body struct{ Variables interface{} }
	if json.Unmarshal(raw, &body) == nil {
		entry.Variables = body.Variables
		if vs, ok := body.Variables.(string); ok { // variables sent as a JSON text
			_ = json.Unmarshal([]byte(vs), &entry.Variables)
		}
	}
	s.mu.Lock()
	s.log = append(s.log, entry)
	rep := reply{Status: 500, Raw: new(string)}
	switch {
	case strings.HasSuffix(entry.Path, "/refresh_token"):
		rep = s.refresh
	case len(s.replies) > 0:
		rep, s.replies = s.replies[0], s.replies[1:]
	}
	s.mu.Unlock()
	payload := string(rep.Body)
	if rep.Raw != nil {
		payload = *rep.Raw
	} else if payload == "" {
		payload = "null"
	}
	if rep.Status == 0 {
		rep.Status = 200
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, payload)
}

func (s *scriptServer) requests() []logged {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]logged(nil), s.log...)
}

// cloud points the library at the GraphQL server at url with token tok (none when tok is "").
func cloud(t *testing.T, url, tok string) {
	t.Helper()
	mustOK(t, SetUseLocalSecrets(false))
	mustOK(t, SetCloudGraphQL(url+"/graphql/alpha"))
	if tok != "" {
		mustOK(t, SetAuthToken(tok))
	}
}

// blocksServer answers what Prefect 3's Secret.load(name) asks (GET
// <api>/block_types/slug/secret/block_documents/name/<name>?include_secrets=true) with
// a block document whose data.value is the secret, Prefect's 404 for other names
// ({"detail": "Block document not found"}; a bare 404 means a wrong API URL), and what a
// batch get asks: POST <api>/block_documents/filter with the names in the body's
// block_documents.name.any_, answered with the list of their documents ({"name": ...,
// "data": {"value": ...}}, for the names it has), after GET <api>/csrf-token?client=...,
// answered as a server with CSRF protection off (422 "CSRF protection is disabled.").
// It logs each request ("METHOD path") and its Authorization header. While hold is
// open, the filter is not answered (until the client goes away, or 10s pass).
type blocksServer struct {
	*httptest.Server
	mu     sync.Mutex
	values map[string]string // block name -> its value as JSON text
	auths  []string
	reqs   []string
	hold   chan struct{}
}

const blocksAPI = "/api/"

func newBlocksServer(t *testing.T, values map[string]string) *blocksServer {
	s := &blocksServer{values: values}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *blocksServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auths = append(s.auths, r.Header.Get("Authorization"))
	s.reqs = append(s.reqs, r.Method+" "+r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	route := strings.TrimPrefix(r.URL.Path, blocksAPI)
	switch {
	case r.Method == http.MethodGet && route == "csrf-token" && r.URL.Query().Get("client") != "":
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"detail": "CSRF protection is disabled."}`)
	case r.Method == http.MethodPost && route == "block_documents/filter":
		s.filter(w, r, body)
	default:
		value, ok := s.values[strings.TrimPrefix(route, "block_types/slug/secret/block_documents/name/")]
		if !ok || r.Method != http.MethodGet || r.URL.RawQuery != "include_secrets=true" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail": "Block document not found"}`)
			return
		}
		fmt.Fprintf(w, `{"id": "6f1a2b3c-0000-4000-8000-000000000001", "data": {"value": %s}}`, value)
	}
}

// filter answers a block document filter (called with s.mu held).
func (s *blocksServer) filter(w http.ResponseWriter, r *http.Request, body []byte) {
	if hold := s.hold; hold != nil {
		s.mu.Unlock()
		select {
		case <-hold:
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		s.mu.Lock()
	}
	var f struct {
		BlockDocuments struct {
			Name struct {
				Any []string `json:"any_"`
			} `json:"name"`
		} `json:"block_documents"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"detail": %q}`, err.Error())
		return
	}
	documents := []string{}
	for _, name := range f.BlockDocuments.Name.Any {
		if value, ok := s.values[name]; ok {
			n, _ := json.Marshal(name)
			documents = append(documents, fmt.Sprintf(`{"name": %s, "data": {"value": %s}}`, n, value))
		}
	}
	fmt.Fprintf(w, "[%s]", strings.Join(documents, ", "))
}

// holdFilters makes the server keep every filter request waiting until the test ends.
func (s *blocksServer) holdFilters(t *testing.T) {
	hold := make(chan struct{})
	s.mu.Lock()
	s.hold = hold
	s.mu.Unlock()
	t.Cleanup(func() { close(hold) })
}

func (s *blocksServer) authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

// requests is "METHOD path" of each request so far.
func (s *blocksServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}
