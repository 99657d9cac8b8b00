package prefectsecrets

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// isolate gives a test a clean library state: a fresh empty HOME, no PREFECT__* or
// PREFECT_API_* variables, and a reset configuration; the environment and the library
// are put back afterwards. Tests using it must not run in parallel (the library state is
// process-wide).
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
	if err := ResetConfig(); err != nil {
		t.Fatalf("ResetConfig: %v", err)
	}
	t.Cleanup(func() {
		// t.Setenv's restores run after this; reset once more with a clean slate so
		// the next test does not inherit this one's context.
		_ = ResetConfig()
	})
	return home
}

// mustJSON parses a JSON literal of a test (Python's json.loads).
func mustJSON(t *testing.T, s string) interface{} {
	t.Helper()
	v, err := parsePyJSON(s)
	if err != nil {
		t.Fatalf("bad JSON in test %q: %v", s, err)
	}
	return v
}

// scriptServer is the conformance kit's loopback GraphQL server (run.py's Script and
// Handler): it answers the scripted responses in order, /refresh_token with the
// refresh reply, then HTTP 500 with an empty body, and logs every request.
//
// It speaks HTTP the way run.py's server (Python 3's http.server) does, rather than
// through net/http, because the log must record what that server records: header
// values keep their trailing spaces (net/http trims them), a leading "//" in the path
// is reduced to "/" (gh-87389), and each connection serves one request (HTTP/1.0).
type scriptServer struct {
	URL       string // http://127.0.0.1:PORT
	ln        net.Listener
	wg        sync.WaitGroup
	mu        sync.Mutex
	responses []interface{}
	refresh   interface{}
	log       []interface{}
}

// newScriptServer starts a server for spec, a case's "server" object (or nil).
func newScriptServer(spec interface{}) *scriptServer {
	s := &scriptServer{refresh: mustParse(`{"status": 200, "body": {"token": "refreshed-token"}}`)}
	if o, ok := spec.(*pyObj); ok {
		if r, ok := o.get("responses"); ok {
			s.responses, _ = r.([]interface{})
		}
		if r, ok := o.get("refresh"); ok {
			s.refresh = r
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
				s.serve(conn)
			}()
		}
	}()
	return s
}

// Close stops the server and waits for its connections to end.
func (s *scriptServer) Close() {
	s.ln.Close()
	s.wg.Wait()
}

func mustParse(s string) interface{} {
	v, err := parsePyJSON(s)
	if err != nil {
		panic(err)
	}
	return v
}

// serve answers one request on conn, as BaseHTTPRequestHandler with run.py's do_POST.
func (s *scriptServer) serve(conn net.Conn) {
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		return
	}
	words := strings.Fields(line)
	if len(words) != 3 {
		return
	}
	method, path := words[0], words[1]
	if strings.HasPrefix(path, "//") {
		path = "/" + strings.TrimLeft(path, "/")
	}
	// http.client.parse_headers and email's compat32 policy: the value is what follows
	// the first colon, leading blanks removed, line ending removed; the first of
	// repeated headers wins for .get().
	headers := map[string]string{}
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if h == "\r\n" || h == "\n" {
			break
		}
		i := strings.IndexByte(h, ':')
		if i < 0 || h[0] == ' ' || h[0] == '\t' {
			continue
		}
		key := strings.ToLower(h[:i])
		if _, dup := headers[key]; !dup {
			headers[key] = strings.TrimRight(strings.TrimLeft(h[i+1:], " \t"), "\r\n")
		}
	}
	if method != "POST" && method != "GET" {
		fmt.Fprintf(conn, "HTTP/1.0 501 Unsupported method\r\nConnection: close\r\n\r\n")
		return
	}
	length, _ := strconv.Atoi(strings.TrimSpace(headers["content-length"]))
	raw := make([]byte, length)
	if _, err := io.ReadFull(br, raw); err != nil {
		return
	}
	status, payload := s.record(method, path, headers, raw)
	fmt.Fprintf(conn, "HTTP/1.0 %d %s\r\nServer: BaseHTTP/0.6 Python/3\r\nDate: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), time.Now().UTC().Format(http.TimeFormat), len(payload), payload)
}

// record logs a request and picks its reply (run.py's do_POST).
func (s *scriptServer) record(method, path string, headers map[string]string, raw []byte) (int, string) {
	text := string(raw)
	if text == "" {
		text = "null"
	}
	body, err := parsePyJSON(text)
	if err != nil {
		o := newObj()
		o.set("unparsed", strings.ToValidUTF8(string(raw), "\uFFFD"))
		body = o
	}
	var variables interface{}
	if o, ok := body.(*pyObj); ok {
		variables, _ = o.get("variables")
		if vs, ok := variables.(string); ok {
			if v, err := parsePyJSON(vs); err == nil {
				variables = v
			}
		}
	}
	path = strings.TrimRight(path, "/")
	entry := newObj()
	entry.set("method", method)
	entry.set("path", path)
	var auth interface{}
	if v, ok := headers["authorization"]; ok {
		auth = v
	}
	entry.set("authorization", auth)
	entry.set("variables", variables)

	s.mu.Lock()
	s.log = append(s.log, entry)
	var spec interface{}
	switch {
	case strings.HasSuffix(path, "/refresh_token"):
		spec = s.refresh
	case len(s.responses) > 0:
		spec, s.responses = s.responses[0], s.responses[1:]
	default:
		spec = mustParse(`{"status": 500, "raw": ""}`)
	}
	s.mu.Unlock()

	status, payload := 200, "null"
	if o, ok := spec.(*pyObj); ok {
		if v, ok := o.get("status"); ok {
			if n, ok := v.(pyInt); ok {
				status, _ = strconv.Atoi(string(n))
			}
		}
		if v, ok := o.get("raw"); ok && v != nil {
			payload, _ = v.(string)
		} else {
			b, _ := o.get("body")
			payload = pyDumps(b)
		}
	}
	return status, payload
}

// requests is the log so far.
func (s *scriptServer) requests() []interface{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]interface{}(nil), s.log...)
}

// cloud points the library at the server at url with token tok (none when tok is "").
func cloud(t *testing.T, url, tok string) {
	t.Helper()
	if err := SetUseLocalSecrets(false); err != nil {
		t.Fatal(err)
	}
	if err := SetCloudGraphQL(url + "/graphql/alpha"); err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		if err := SetAuthToken(tok); err != nil {
			t.Fatal(err)
		}
	}
}
