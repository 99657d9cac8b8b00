// Package prefectsecrets resolves Prefect secrets exactly as Prefect 0.5.3's Python
// Secret(name).get() does, through the prefect-secrets C library (libprefect_secrets).
//
// A secret comes from Prefect's configuration and context (environment variables
// PREFECT__CONTEXT__SECRETS__*, ~/.prefect/config.toml, ContextSet) when
// config.cloud.use_local_secrets is true, which is Prefect's default, and from the Prefect
// Cloud GraphQL server otherwise.
//
//	v, found, err := prefectsecrets.Get("DB_PASSWORD")
//	switch {
//	case err != nil: // errors.Is(err, prefectsecrets.ErrAuth), ...
//	case !found:     // the secret is not set, or set to null (Python's None)
//	default:         // use v
//	}
//
// The library keeps one process-wide configuration and context (Python's is per
// thread); every function here is safe to call from any number of goroutines.
package prefectsecrets

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "prefect_secrets.h"

// Every call that can fail goes through a helper that also copies this thread's
// secret_last_error() when the status is negative, in the same cgo call: a goroutine may
// move to another OS thread between two cgo calls, and the message is per thread.

typedef struct {
	int32_t status;
	char *err;   // malloc'd copy of secret_last_error() when status < 0 (may be NULL)
} ps_status;

static char *ps_strdup(const char *s) {
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL) memcpy(p, s, n);
	return p;
}

static ps_status ps_check(int32_t rc) {
	ps_status s;
	s.status = rc;
	s.err = rc < 0 ? ps_strdup(secret_last_error()) : NULL;
	return s;
}

// Wipes and frees a C copy of something secret (a value or a token).
static void ps_free_secret(char *p, size_t n) {
	if (p == NULL) return;
	volatile char *v = p;
	while (n-- > 0) *v++ = 0;
	free(p);
}

typedef struct {
	int32_t status;
	char *heap;   // malloc'd value when it did not fit in the caller's buffer, else NULL
	size_t len;   // the value's length in bytes (on SECRET_OK)
	char *err;    // as in ps_status
} ps_value;

// The buffer protocol, whole, in one cgo call (so on one thread, which also lets the
// library's per-thread reuse of a server value serve the retry): try the caller's
// buffer; while the library says it is too small, allocate *out_len + 1 bytes and ask
// again (the value may change between two calls, hence the loop, bounded).
static ps_value ps_get(int json, const char *name, char *buf, size_t cap) {
	int32_t (*get)(const char *, char *, size_t, size_t *) = json ? secret_get_json : secret_get;
	ps_value r = { 0, NULL, 0, NULL };
	size_t need = 0;
	int32_t rc = get(name, buf, cap, &need);
	for (int tries = 0; rc == SECRET_ERR_BUFFER_TOO_SMALL && tries < 16; tries++) {
		free(r.heap);
		r.heap = NULL;
		if (need >= SIZE_MAX - 1) break;
		cap = need + 1;
		r.heap = malloc(cap);
		if (r.heap == NULL) {
			r.status = SECRET_ERR_INTERNAL;
			r.err = ps_strdup("out of memory for the value's buffer");
			return r;
		}
		rc = get(name, r.heap, cap, &need);
	}
	r.status = rc;
	if (rc == SECRET_OK) {
		r.len = need;
	} else {
		free(r.heap);
		r.heap = NULL;
		if (rc < 0) r.err = ps_strdup(secret_last_error());
	}
	return r;
}

static ps_status ps_set_use_local_secrets(bool b) { return ps_check(secret_config_set_use_local_secrets(b)); }
static ps_status ps_set_auth_token(const char *t) { return ps_check(secret_config_set_auth_token(t)); }
static ps_status ps_set_cloud_graphql(const char *u) { return ps_check(secret_config_set_cloud_graphql(u)); }
static ps_status ps_set_timeouts(double c, double r) { return ps_check(secret_config_set_timeouts(c, r)); }
static ps_status ps_set_max_reply_bytes(uint64_t n) { return ps_check(secret_config_set_max_reply_bytes(n)); }
static ps_status ps_set_ca_bundle(const char *p) { return ps_check(secret_config_set_ca_bundle(p)); }
static ps_status ps_set_allow_insecure_token(bool b) { return ps_check(secret_config_set_allow_insecure_token(b)); }
static ps_status ps_set_reuse_window(double s) { return ps_check(secret_config_set_reuse_window(s)); }
static ps_status ps_load_file(const char *p) { return ps_check(secret_config_load_file(p)); }
static ps_status ps_reset(void) { return ps_check(secret_config_reset()); }
static ps_status ps_context_set_bytes(const char *n, const char *v, size_t len) { return ps_check(secret_context_set_bytes(n, v, len)); }
static ps_status ps_context_remove(const char *n) { return ps_check(secret_context_remove(n)); }
static ps_status ps_context_clear(void) { return ps_check(secret_context_clear()); }
static ps_status ps_set_flow_building(bool b) { return ps_check(secret_context_set_flow_building(b)); }
*/
import "C"

import (
	"strings"
	"time"
	"unsafe"
)

// initialBuffer is the size of the first buffer a get tries; most secrets fit.
const initialBuffer = 512

// Get resolves the secret name as Prefect 0.5.3's Secret(name).get() does. A string
// value comes back as its text (which may contain NUL bytes; a lone surrogate, possible
// in Python, comes back in its 3-byte WTF-8 form); any other value as compact JSON, as
// GetJSON gives it (a dict as {"a":1}, a float as 1.5 or NaN, a bool as true, ...).
//
// A secret that is not set, or that resolves to None, gives found == false and a nil
// error. Errors are *Error values: match them with errors.Is(err, ErrAuth) and the other
// sentinels.
func Get(name string) (value string, found bool, err error) {
	return get(false, "secret_get", name)
}

// GetJSON resolves the secret name like Get, but always as JSON, exactly as Python's
// json.dumps(value, separators=(",", ":")) writes it: a string comes out quoted with
// every non-ASCII character escaped, and floats may be NaN, Infinity or -Infinity (which
// encoding/json does not accept; integers may also exceed 64 bits).
func GetJSON(name string) (value string, found bool, err error) {
	return get(true, "secret_get_json", name)
}

func get(json bool, op, name string) (string, bool, error) {
	cname, err := cString(op, "name", name)
	if err != nil {
		return "", false, err
	}
	defer C.free(unsafe.Pointer(cname))
	var asJSON C.int
	if json {
		asJSON = 1
	}
	buf := make([]byte, initialBuffer)
	r := C.ps_get(asJSON, cname, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	switch {
	case r.status == C.SECRET_OK && r.heap == nil:
		n := int(r.len)
		v := string(buf[:n])
		wipe(buf[:n])
		return v, true, nil
	case r.status == C.SECRET_OK:
		v := string(unsafe.Slice((*byte)(unsafe.Pointer(r.heap)), int(r.len)))
		C.ps_free_secret(r.heap, r.len+1)
		return v, true, nil
	case r.status == C.SECRET_NOT_FOUND:
		return "", false, nil
	}
	return "", false, statusError(op, int32(r.status), r.err)
}

// SetUseLocalSecrets sets config.cloud.use_local_secrets: true reads secrets from the
// configuration and context, false asks the server.
func SetUseLocalSecrets(useLocal bool) error {
	return check("secret_config_set_use_local_secrets", C.ps_set_use_local_secrets(C.bool(useLocal)))
}

// SetAuthToken sets config.cloud.auth_token, the server's bearer token.
func SetAuthToken(token string) error {
	const op = "secret_config_set_auth_token"
	ctoken, err := cString(op, "token", token)
	if err != nil {
		return err
	}
	defer C.ps_free_secret(ctoken, C.size_t(len(token)+1))
	return check(op, C.ps_set_auth_token(ctoken))
}

// ClearAuthToken removes config.cloud.auth_token, so the token is read from
// ~/.prefect/.credentials/auth_token again.
func ClearAuthToken() error {
	return check("secret_config_set_auth_token", C.ps_set_auth_token(nil))
}

// SetCloudGraphQL sets config.cloud.graphql, the URL of the server's GraphQL endpoint.
func SetCloudGraphQL(url string) error {
	const op = "secret_config_set_cloud_graphql"
	curl, err := cString(op, "url", url)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(curl))
	return check(op, C.ps_set_cloud_graphql(curl))
}

// SetTimeouts sets the server path's timeouts: connect to set up a connection (default
// 10s) and request for a whole HTTP exchange, reply included (default 30s). Both must be
// positive (and below about 31 years); otherwise the error matches ErrInvalidArgument.
// A server that does not answer in time fails the get with ErrClient.
func SetTimeouts(connect, request time.Duration) error {
	return check("secret_config_set_timeouts",
		C.ps_set_timeouts(C.double(connect.Seconds()), C.double(request.Seconds())))
}

// SetMaxReplyBytes sets the largest server reply accepted (default 4 MiB); a larger
// reply fails the get with ErrClient. It must be between 1 and 2^63-1, otherwise the
// error matches ErrInvalidArgument.
func SetMaxReplyBytes(maxBytes uint64) error {
	return check("secret_config_set_max_reply_bytes", C.ps_set_max_reply_bytes(C.uint64_t(maxBytes)))
}

// SetCABundle trusts the CA certificates in the PEM file at path for https servers,
// instead of the system's trust store. The file is read when a server get first needs it.
func SetCABundle(path string) error {
	const op = "secret_config_set_ca_bundle"
	cpath, err := cString(op, "path", path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	return check(op, C.ps_set_ca_bundle(cpath))
}

// UseSystemCAs goes back to the system's trust store for https servers (undoing
// SetCABundle).
func UseSystemCAs() error {
	return check("secret_config_set_ca_bundle", C.ps_set_ca_bundle(nil))
}

// SetAllowInsecureToken allows sending the bearer token over plain http:// to hosts that
// are not loopback (default false: such URLs fail with ErrClient before anything is
// sent). Loopback addresses are always allowed.
func SetAllowInsecureToken(allow bool) error {
	return check("secret_config_set_allow_insecure_token", C.ps_set_allow_insecure_token(C.bool(allow)))
}

// SetReuseWindow sets how long an OS thread may reuse the value it just fetched from the
// server for the same name (default 1s; 0 turns it off; negative is ErrInvalidArgument).
// Get and GetJSON always reuse within one call; to get one round trip (and one value)
// for a GetJSON followed by a Get, make both calls from a goroutine locked to its thread
// with runtime.LockOSThread. Any setter ends the reuse at once.
func SetReuseWindow(window time.Duration) error {
	return check("secret_config_set_reuse_window", C.ps_set_reuse_window(C.double(window.Seconds())))
}

// LoadConfigFile merges the Prefect configuration file at path over the current
// configuration, as Prefect merges ~/.prefect/config.toml over its defaults; the
// PREFECT__* environment variables still win. On failure (ErrConfig) nothing changes.
func LoadConfigFile(path string) error {
	const op = "secret_config_load_file"
	cpath, err := cString(op, "path", path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	return check(op, C.ps_load_file(cpath))
}

// ResetConfig reloads the configuration as at process start (defaults, the PREFECT__*
// environment variables as they are now, the user file) and resets the context: secrets
// set with ContextSet are dropped and flow building is cleared. When the configuration
// is broken it returns an error matching ErrConfig, and every later call fails the same
// way until a reset succeeds.
func ResetConfig() error {
	return check("secret_config_reset", C.ps_reset())
}

// ContextSet is prefect.context.secrets[name] = value. Python's json.loads applies when
// the secret is read, so "42" reads back as the number 42 and `"42"` as the string 42.
// The value may contain NUL bytes; it must be UTF-8.
func ContextSet(name, value string) error {
	const op = "secret_context_set_bytes"
	cname, err := cString(op, "name", name)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cname))
	// C.CString copies every byte, NULs included, and adds one more.
	cvalue := C.CString(value)
	defer C.ps_free_secret(cvalue, C.size_t(len(value)+1))
	return check(op, C.ps_context_set_bytes(cname, cvalue, C.size_t(len(value))))
}

// ContextRemove removes the secret name from the context; removed is false when there
// was no such secret.
func ContextRemove(name string) (removed bool, err error) {
	const op = "secret_context_remove"
	cname, err := cString(op, "name", name)
	if err != nil {
		return false, err
	}
	defer C.free(unsafe.Pointer(cname))
	s := C.ps_context_remove(cname)
	if err := check(op, s); err != nil {
		return false, err
	}
	return s.status == C.SECRET_OK, nil
}

// ContextClear removes every secret from the context, those from the configuration too.
func ContextClear() error {
	return check("secret_context_clear", C.ps_context_clear())
}

// SetFlowBuilding marks whether a Flow is being built (prefect.context.flow). While it
// is, Get and GetJSON fail with an error matching ErrFlowBuilding.
func SetFlowBuilding(building bool) error {
	return check("secret_context_set_flow_building", C.ps_set_flow_building(C.bool(building)))
}

// Version is the C library's version, e.g. "0.1.0".
func Version() string {
	return C.GoString(C.secret_version())
}

// StatusString is the library's description of a status code, such as
// "SECRET_ERR_AUTH: no server token, or the server refused it".
func StatusString(code int32) string {
	return C.GoString(C.secret_status_str(C.int32_t(code)))
}

// cString copies s for C, refusing a NUL byte (C would see the string end there).
// The caller frees the result.
func cString(op, what, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{Code: StatusInvalidArgument, Op: op, Message: what + " contains a NUL byte"}
	}
	return C.CString(s), nil
}

func check(op string, s C.ps_status) error {
	if s.status >= 0 {
		return nil
	}
	return statusError(op, int32(s.status), s.err)
}

// statusError builds the *Error for a negative status, taking ownership of msg.
func statusError(op string, code int32, msg *C.char) error {
	e := &Error{Code: code, Op: op}
	if msg != nil {
		e.Message = C.GoString(msg)
		C.free(unsafe.Pointer(msg))
	}
	return e
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
