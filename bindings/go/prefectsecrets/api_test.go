package prefectsecrets

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// wantErr checks that err matches sentinel (and no other), is an *Error with the right
// code and a message.
func wantErr(t *testing.T, err error, sentinel *Error) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one matching %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not match %v", err, sentinel)
	}
	for _, other := range allSentinels {
		if other != sentinel && errors.Is(err, other) {
			t.Fatalf("error %v also matches %v", err, other)
		}
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Code != sentinel.Code || e.Op == "" || e.Message == "" {
		t.Fatalf("error %#v: want code %d, an op and a message", e, sentinel.Code)
	}
	return e
}

var allSentinels = []*Error{ErrInvalidArgument, ErrBufferTooSmall, ErrFlowBuilding, ErrAuth,
	ErrClient, ErrConfig, ErrInternal}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantValue(t *testing.T, get func(string) (string, bool, error), name, want string) {
	t.Helper()
	v, found, err := get(name)
	if err != nil || !found || v != want {
		t.Fatalf("get(%q) = %q, %v, %v; want %q, true, nil", name, clip(v, 80), found, err, clip(want, 80))
	}
}

func wantNotFound(t *testing.T, get func(string) (string, bool, error), name string) {
	t.Helper()
	v, found, err := get(name)
	if err != nil || found || v != "" {
		t.Fatalf("get(%q) = %q, %v, %v; want \"\", false, nil", name, v, found, err)
	}
}

func TestGetLocalValues(t *testing.T) {
	isolate(t)
	for _, c := range []struct{ set, text, json string }{
		{"hunter2", "hunter2", `"hunter2"`},
		{`"42"`, "42", `"42"`},
		{"42", "42", "42"},
		{"1E5", "100000.0", "100000.0"},
		{"NaN", "NaN", "NaN"},
		{"-Infinity", "-Infinity", "-Infinity"},
		{"123456789012345678901234567890", "123456789012345678901234567890", "123456789012345678901234567890"},
		{`{"user": "svc", "n": [1, 2.5, null, true]}`, `{"user":"svc","n":[1,2.5,null,true]}`, `{"user":"svc","n":[1,2.5,null,true]}`},
		{"mot de passe été ☃", "mot de passe été ☃", `"mot de passe \u00e9t\u00e9 \u2603"`},
		{"", "", `""`},
		{"  \n 7 \t", "7", "7"},
		{"{'a': 1}", "{'a': 1}", `"{'a': 1}"`},
	} {
		mustOK(t, ContextSet("s", c.set))
		wantValue(t, Get, "s", c.text)
		wantValue(t, GetJSON, "s", c.json)
	}
}

func TestNotFound(t *testing.T) {
	isolate(t)
	wantNotFound(t, Get, "absent")
	wantNotFound(t, GetJSON, "absent")
	mustOK(t, ContextSet("s", "null")) // json.loads("null") is None
	wantNotFound(t, Get, "s")
	wantNotFound(t, GetJSON, "s")
}

func TestEnvironmentAndUserConfig(t *testing.T) {
	home := isolate(t)
	t.Setenv("PREFECT__CONTEXT__SECRETS__MY_KEY", "abc")
	mustOK(t, writeFile(filepath.Join(home, ".prefect", "config.toml"), "[context.secrets]\nAPI_KEY = \"k\"\n"))
	mustOK(t, ResetConfig())
	wantValue(t, Get, "my_key", "abc") // Prefect 0.5.3 lowercases the whole path
	wantNotFound(t, Get, "MY_KEY")
	wantValue(t, Get, "API_KEY", "k")
}

func TestNULInNamesAndValues(t *testing.T) {
	isolate(t)
	// A name with NUL cannot be passed to C: refused before the call.
	for _, f := range []func() error{
		func() error { _, _, err := Get("a\x00b"); return err },
		func() error { _, _, err := GetJSON("a\x00b"); return err },
		func() error { return ContextSet("a\x00b", "v") },
		func() error { _, err := ContextRemove("a\x00b"); return err },
		func() error { return SetAuthToken("t\x00k") },
		func() error { return SetCloudGraphQL("http://127.0.0.1/\x00") },
		func() error { return LoadConfigFile("/tmp/\x00") },
		func() error { return SetCABundle("/tmp/\x00") },
		func() error { return SetAPIURL("http://127.0.0.1/\x00") },
		func() error { return SetAPIKey("k\x00ey") },
		func() error { return SetAPIAuthString("user:pa\x00ss") },
	} {
		e := wantErr(t, f(), ErrInvalidArgument)
		if !strings.Contains(e.Message, "NUL") {
			t.Errorf("message %q does not mention the NUL", e.Message)
		}
	}
	// A value with NUL is fine: it is not JSON, so it reads back as itself.
	mustOK(t, ContextSet("s", "a\x00b"))
	wantValue(t, Get, "s", "a\x00b")
	wantValue(t, GetJSON, "s", `"a\u0000b"`)
	// A JSON string with an escaped NUL decodes to one.
	mustOK(t, ContextSet("j", `"x\u0000y"`))
	wantValue(t, Get, "j", "x\x00y")
	mustOK(t, ContextSet("z", "\x00"))
	wantValue(t, Get, "z", "\x00")
}

func TestInvalidUTF8(t *testing.T) {
	isolate(t)
	e := wantErr(t, ContextSet("s", "bad \xff value"), ErrInvalidArgument)
	if !strings.Contains(e.Message, "value") || e.Op != "secret_context_set_bytes" {
		t.Errorf("unexpected error %#v", e)
	}
	_, _, err := Get("bad\xffname")
	e = wantErr(t, err, ErrInvalidArgument)
	if !strings.Contains(e.Message, "name") || e.Op != "secret_get" {
		t.Errorf("unexpected error %#v", e)
	}
	_, _, err = GetJSON("bad\xffname")
	if e := wantErr(t, err, ErrInvalidArgument); e.Op != "secret_get_json" {
		t.Errorf("unexpected error %#v", e)
	}
}

func TestLongValues(t *testing.T) {
	isolate(t)
	// Sizes around the powers of two an allocator might care about, then large: the
	// library sizes each value itself (secret_get_alloc).
	for _, n := range []int{0, 1, 2, 510, 511, 512, 513, 4096, 1 << 20, 5<<20 + 3} {
		v := "y" // n bytes of text that is not JSON
		switch {
		case n == 0:
			v = ""
		case n >= 2:
			v = "<" + strings.Repeat("x", n-2) + ">"
		}
		mustOK(t, ContextSet("s", v))
		wantValue(t, Get, "s", v)
		wantValue(t, GetJSON, "s", `"`+v+`"`)
	}
	// A long value whose JSON is much longer than its text, with NULs inside.
	v := strings.Repeat("é\x00\"", 1<<18)
	mustOK(t, ContextSet("s", v))
	wantValue(t, Get, "s", v)
	js, found, err := GetJSON("s")
	if err != nil || !found || js != `"`+strings.Repeat(`\u00e9\u0000\"`, 1<<18)+`"` {
		t.Fatalf("GetJSON: %d bytes, %v, %v", len(js), found, err)
	}
	// A long non-string value.
	big := "[" + strings.TrimSuffix(strings.Repeat("1234567, ", 150000), ", ") + "]"
	mustOK(t, ContextSet("s", big))
	wantValue(t, Get, "s", strings.ReplaceAll(big, " ", ""))
}

func TestFlowBuilding(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("s", "x"))
	mustOK(t, SetFlowBuilding(true))
	for _, get := range []func(string) (string, bool, error){Get, GetJSON} {
		_, _, err := get("s")
		e := wantErr(t, err, ErrFlowBuilding)
		if !strings.Contains(e.Message, "Secrets should only be retrieved during a Flow run") {
			t.Errorf("message %q", e.Message)
		}
	}
	mustOK(t, SetFlowBuilding(false))
	wantValue(t, Get, "s", "x")
	// ResetConfig clears the flag too.
	mustOK(t, SetFlowBuilding(true))
	mustOK(t, ResetConfig())
	wantNotFound(t, Get, "s")
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
		var back *Error
		if !errors.As(wrapped, &back) || back != e {
			t.Errorf("errors.As lost the *Error")
		}
		if !strings.HasPrefix(s.Error(), "prefectsecrets: SECRET_ERR_") {
			t.Errorf("sentinel text %q", s.Error())
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

func TestServerValues(t *testing.T) {
	isolate(t)
	srv := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 200, "body": {"data": {"secretValue": "s3cr3t"}}},
		{"status": 200, "body": {"data": {"secretValue": {"a": [1, 2.5]}}}},
		{"status": 200, "body": {"data": {"secretValue": null}}},
		{"status": 200, "body": {"data": {"secretValue": "42"}}}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "tok-1")
	mustOK(t, SetReuseWindow(0))         // each get asks the server
	mustOK(t, ContextSet("DB", "local")) // not consulted on the server path
	wantValue(t, Get, "DB", "s3cr3t")
	wantValue(t, GetJSON, "DB", `{"a":[1,2.5]}`)
	wantNotFound(t, Get, "DB")
	wantValue(t, GetJSON, "DB", `"42"`) // no json.loads on the server path
	reqs := srv.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests: %s", len(reqs), pyDumps(reqs))
	}
	want := mustJSON(t, `{"method": "POST", "path": "/graphql/alpha", "authorization": "Bearer tok-1", "variables": {"name": "DB"}}`)
	if !pyEq(reqs[0], want) {
		t.Errorf("request %s, want %s", pyDumps(reqs[0]), pyDumps(want))
	}
}

func TestServerLongValueOneRequest(t *testing.T) {
	isolate(t)
	long := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	srv := newScriptServer(mustJSON(t, `{"responses": [{"status": 200, "body": {"data": {"secretValue": "`+long+`"}}}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "tok-1")
	// One Get is one library call (secret_get_alloc), whatever the value's size.
	mustOK(t, SetReuseWindow(0))
	wantValue(t, Get, "DB", long)
	if n := len(srv.requests()); n != 1 {
		t.Fatalf("%d requests for one Get, want 1", n)
	}
}

func TestServerReuseAcrossCallsOnALockedThread(t *testing.T) {
	isolate(t)
	srv := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 200, "body": {"data": {"secretValue": "v1"}}},
		{"status": 200, "body": {"data": {"secretValue": "v2"}}},
		{"status": 200, "body": {"data": {"secretValue": "v3"}}}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "tok-1")
	mustOK(t, SetReuseWindow(10*time.Second))
	func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		wantValue(t, GetJSON, "DB", `"v1"`)
		wantValue(t, Get, "DB", "v1")
	}()
	if n := len(srv.requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	// Window 0: every call asks (and any setter ends the reuse).
	mustOK(t, SetReuseWindow(0))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wantValue(t, Get, "DB", "v2")
	wantValue(t, Get, "DB", "v3")
}

func TestAuth(t *testing.T) {
	home := isolate(t)
	srv := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 200, "body": {"data": {"secretValue": "a"}}},
		{"status": 200, "body": {"data": {"secretValue": "b"}}},
		{"status": 401, "raw": ""},
		{"status": 401, "raw": ""}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "")
	mustOK(t, SetReuseWindow(0))

	// No token at all: refused before any request.
	_, _, err := Get("DB")
	e := wantErr(t, err, ErrAuth)
	if !strings.Contains(e.Message, "Client.login()") {
		t.Errorf("message %q", e.Message)
	}
	// A token set, then cleared so the credentials file is read.
	mustOK(t, SetAuthToken("tok-set"))
	wantValue(t, Get, "DB", "a")
	mustOK(t, ClearAuthToken())
	mustOK(t, writeFile(filepath.Join(home, ".prefect", ".credentials", "auth_token"), "file-token"))
	wantValue(t, Get, "DB", "b")
	// 401, refresh, 401 again: an auth error.
	_, _, err = Get("DB")
	wantErr(t, err, ErrAuth)
	var auths []interface{}
	for _, r := range srv.requests() {
		v, _ := r.(*pyObj).get("authorization")
		auths = append(auths, v)
	}
	want := []interface{}{"Bearer tok-set", "Bearer file-token", "Bearer file-token", "Bearer file-token", "Bearer refreshed-token"}
	if !pyEq(auths, want) {
		t.Errorf("authorizations %s, want %s", pyDumps(auths), pyDumps(want))
	}
}

func TestClientErrors(t *testing.T) {
	isolate(t)
	srv := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 500, "raw": "oops"},
		{"status": 200, "body": {"errors": [{"message": "No secret"}]}},
		{"status": 200, "raw": "not json"}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "tok-1")
	mustOK(t, SetReuseWindow(0))
	for i := 0; i < 4; i++ { // the fourth finds no scripted reply: HTTP 500
		_, _, err := GetJSON("DB")
		wantErr(t, err, ErrClient)
	}
	// Nothing listening.
	mustOK(t, SetCloudGraphQL("http://127.0.0.1:9/graphql"))
	_, _, err := Get("DB")
	wantErr(t, err, ErrClient)
	// Not a URL the library will use.
	mustOK(t, SetCloudGraphQL("ftp://127.0.0.1/graphql"))
	_, _, err = Get("DB")
	wantErr(t, err, ErrClient)
}

func TestConfigErrors(t *testing.T) {
	home := isolate(t)
	// A malformed file: ErrConfig, and nothing changes.
	mustOK(t, ContextSet("s", "kept"))
	bad := filepath.Join(home, "bad.toml")
	mustOK(t, writeFile(bad, "[context.secrets\nx = 1\n"))
	wantErr(t, LoadConfigFile(bad), ErrConfig)
	wantValue(t, Get, "s", "kept")

	// A broken environment: the reset fails, and every call after it, until a reset
	// succeeds.
	t.Setenv("PREFECT__CONTEXT__SECRETS__S", `dangling\`)
	wantErr(t, ResetConfig(), ErrConfig)
	_, _, err := Get("s")
	wantErr(t, err, ErrConfig)
	wantErr(t, ContextSet("s", "x"), ErrConfig)
	os.Unsetenv("PREFECT__CONTEXT__SECRETS__S")
	mustOK(t, ResetConfig())
	wantNotFound(t, Get, "s")
}

func TestLoadConfigFile(t *testing.T) {
	home := isolate(t)
	path := filepath.Join(home, "extra.toml")
	mustOK(t, writeFile(path, "[context.secrets]\nX = \"from-file\"\nP = \"$HOME/key\"\nN = 7\n"))
	mustOK(t, ContextSet("other", "stays"))
	mustOK(t, LoadConfigFile(path))
	wantValue(t, Get, "X", "from-file")
	wantValue(t, Get, "P", home+"/key")
	wantValue(t, GetJSON, "N", "7")
	wantValue(t, Get, "other", "stays")
}

func TestContextRemoveAndClear(t *testing.T) {
	isolate(t)
	t.Setenv("PREFECT__CONTEXT__SECRETS__FROM_ENV", "e")
	mustOK(t, ResetConfig())
	mustOK(t, ContextSet("a", "1"))
	removed, err := ContextRemove("a")
	if err != nil || !removed {
		t.Fatalf("ContextRemove = %v, %v", removed, err)
	}
	removed, err = ContextRemove("a")
	if err != nil || removed {
		t.Fatalf("second ContextRemove = %v, %v", removed, err)
	}
	wantNotFound(t, Get, "a")
	wantValue(t, Get, "from_env", "e")
	mustOK(t, ContextSet("b", "2"))
	mustOK(t, ContextClear())
	wantNotFound(t, Get, "b")
	wantNotFound(t, Get, "from_env")
}

func TestResetConfig(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("a", "1"))
	mustOK(t, SetUseLocalSecrets(false))
	mustOK(t, ResetConfig())
	wantNotFound(t, Get, "a") // local again (the default), and the context is empty
}

func TestSetUseLocalSecrets(t *testing.T) {
	isolate(t)
	t.Setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false")
	t.Setenv("PREFECT__CLOUD__GRAPHQL", "http://127.0.0.1:9/graphql")
	mustOK(t, ResetConfig())
	mustOK(t, ContextSet("s", "local"))
	_, _, err := Get("s")
	wantErr(t, err, ErrAuth) // the server path, which has no token
	mustOK(t, SetUseLocalSecrets(true))
	wantValue(t, Get, "s", "local")
}

func TestSetTimeouts(t *testing.T) {
	isolate(t)
	for _, c := range [][2]time.Duration{{-time.Second, time.Second}, {time.Second, -time.Second},
		{0, time.Second}, {time.Second, 0}, {math.MaxInt64, time.Second}} {
		wantErr(t, SetTimeouts(c[0], c[1]), ErrInvalidArgument)
	}
	mustOK(t, SetTimeouts(10*time.Second, 30*time.Second))

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		_, _ = w.Write([]byte(`{"data": {"secretValue": "late"}}`))
	}))
	defer slow.Close()
	defer close(release)
	cloud(t, slow.URL, "tok")
	mustOK(t, SetTimeouts(time.Second, 300*time.Millisecond))
	start := time.Now()
	_, _, err := Get("DB")
	wantErr(t, err, ErrClient)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the request timeout of 300ms took %v", d)
	}
}

func TestSetMaxReplyBytes(t *testing.T) {
	isolate(t)
	wantErr(t, SetMaxReplyBytes(0), ErrInvalidArgument)
	wantErr(t, SetMaxReplyBytes(1<<63), ErrInvalidArgument)
	mustOK(t, SetMaxReplyBytes(1<<63-1))
	srv := newScriptServer(mustJSON(t, `{"responses": [
		{"status": 200, "body": {"data": {"secretValue": "`+strings.Repeat("x", 1000)+`"}}},
		{"status": 200, "body": {"data": {"secretValue": "`+strings.Repeat("x", 1000)+`"}}}]}`))
	defer srv.Close()
	cloud(t, srv.URL, "tok")
	mustOK(t, SetMaxReplyBytes(100))
	_, _, err := Get("DB")
	wantErr(t, err, ErrClient)
	mustOK(t, SetMaxReplyBytes(4096))
	wantValue(t, Get, "DB", strings.Repeat("x", 1000))
}

func TestSetReuseWindowArguments(t *testing.T) {
	isolate(t)
	wantErr(t, SetReuseWindow(-time.Nanosecond), ErrInvalidArgument)
	wantErr(t, SetReuseWindow(math.MaxInt64), ErrInvalidArgument)
	mustOK(t, SetReuseWindow(0))
	mustOK(t, SetReuseWindow(time.Second))
}

// newTLSServer serves graphql replies over https with a certificate for 127.0.0.1
// signed by a fresh CA, whose PEM file it returns.
func newTLSServer(t *testing.T, dir string) (*httptest.Server, string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mustOK(t, err)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "prefect-secrets test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	mustOK(t, err)
	ca, err = x509.ParseCertificate(caDER)
	mustOK(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mustOK(t, err)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	mustOK(t, err)
	caFile := filepath.Join(dir, "ca.pem")
	mustOK(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644))

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data": {"secretValue": "over-tls"}}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}}
	srv.StartTLS()
	return srv, caFile
}

func TestSetCABundle(t *testing.T) {
	home := isolate(t)
	srv, caFile := newTLSServer(t, home)
	defer srv.Close()
	cloud(t, srv.URL, "tok")
	mustOK(t, SetReuseWindow(0))
	// The system's store does not know the test CA.
	_, _, err := Get("DB")
	wantErr(t, err, ErrClient)
	mustOK(t, SetCABundle(caFile))
	wantValue(t, Get, "DB", "over-tls")
	mustOK(t, UseSystemCAs())
	_, _, err = Get("DB")
	wantErr(t, err, ErrClient)
	// The file is read when needed: a missing one fails the get (as a configuration
	// error), not the setter.
	mustOK(t, SetCABundle(filepath.Join(home, "missing.pem")))
	_, _, err = Get("DB")
	wantErr(t, err, ErrConfig)
}

// loopbackAlias is a name other than localhost that /etc/hosts maps to 127.0.0.1 (many
// systems list the machine's own name there), or "". The library counts only localhost
// and loopback addresses as loopback, so such a name stands for "another host" while
// every byte stays on this machine. /etc/hosts is read here, never DNS, and the name is
// only used when the system resolver reads that file before asking DNS.
func loopbackAlias() string {
	nss, err := os.ReadFile("/etc/nsswitch.conf")
	if err != nil {
		return ""
	}
	filesFirst := false
	for _, line := range strings.Split(string(nss), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "hosts:" {
			filesFirst = f[1] == "files"
		}
	}
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil || !filesFirst {
		return ""
	}
	for _, line := range strings.Split(string(hosts), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "127.0.0.1" {
			continue
		}
		for _, name := range f[1:] {
			if !strings.EqualFold(name, "localhost") && net.ParseIP(name) == nil {
				return name
			}
		}
	}
	return ""
}

func TestSetAllowInsecureHTTP(t *testing.T) {
	isolate(t)
	alias := loopbackAlias()
	if alias == "" {
		t.Skip("no name other than localhost for 127.0.0.1 in /etc/hosts")
	}
	for _, v := range []string{"ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		if os.Getenv(v) != "" {
			t.Skipf("%s is set: the request would go to the proxy", v)
		}
	}
	graphql := newScriptServer(mustJSON(t, `{"responses": [{"status": 200, "body": {"data": {"secretValue": "plain"}}}]}`))
	defer graphql.Close()
	blocks := newBlocksServer(t)
	blocks.set("db", `"plain-3"`)
	viaAlias := func(u string) string { return strings.Replace(u, "127.0.0.1", alias, 1) }
	cloud(t, viaAlias(graphql.URL), "tok")
	mustOK(t, SetAPIURL(viaAlias(blocks.URL)+"/api"))
	mustOK(t, SetReuseWindow(0))
	useFlavor := func(f ServerFlavor) { mustOK(t, SetServerFlavor(f)) }

	// Refused before anything is sent, with credentials (0.5) or without (3: the value
	// itself would cross the network in clear).
	for _, f := range []ServerFlavor{ServerPrefect05, ServerPrefect3} {
		useFlavor(f)
		_, _, err := Get("db")
		e := wantErr(t, err, ErrClient)
		if !strings.Contains(e.Message, "clear text") {
			t.Errorf("%v: message %q", f, e.Message)
		}
	}
	if n, m := len(graphql.requests()), len(blocks.log()); n+m != 0 {
		t.Fatalf("%d and %d requests sent in clear text", n, m)
	}
	mustOK(t, SetAllowInsecureHTTP(true))
	useFlavor(ServerPrefect05)
	wantValue(t, Get, "db", "plain")
	useFlavor(ServerPrefect3)
	wantValue(t, Get, "db", "plain-3")
	mustOK(t, SetAllowInsecureHTTP(false))
	_, _, err := Get("db")
	wantErr(t, err, ErrClient)
	if n, m := len(graphql.requests()), len(blocks.log()); n != 1 || m != 1 {
		t.Fatalf("%d and %d requests, want 1 and 1", n, m)
	}
}

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
}
