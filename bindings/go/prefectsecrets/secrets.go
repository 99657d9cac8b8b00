// Package prefectsecrets resolves Prefect secrets exactly as Prefect 0.5.3's Python
// Secret(name).get() does, through the prefect-secrets C library (libprefect_secrets).
//
// A secret comes from Prefect's configuration and context (environment variables
// PREFECT__CONTEXT__SECRETS__*, ~/.prefect/config.toml, ContextSet) when
// config.cloud.use_local_secrets is true, which is Prefect's default, and from a server
// otherwise: Prefect 0.5.3's GraphQL API (the default), or a Prefect 2/3 server's Secret
// blocks after SetServerFlavor(ServerPrefect3).
//
//	// PREFECT__CONTEXT__SECRETS__DB_PASSWORD=... is the secret "db_password":
//	// Prefect lowercases the whole path of every PREFECT__ environment variable.
//	v, found, err := prefectsecrets.Get("db_password")
//	switch {
//	case err != nil: // errors.Is(err, prefectsecrets.ErrAuth), ...
//	case !found:     // the secret is not set, or set to null (Python's None)
//	default:         // use v
//	}
//
// Names are exact (case-sensitive): a secret set in the environment has a lowercase name
// (PREFECT__CONTEXT__SECRETS__MY_KEY is "my_key"), one set with ContextSet or in
// config.toml the name it was given. Explain(name) says why a name is not found (or
// where a found one was set), without ever showing a value.
//
// GetContext and GetJSONContext return ctx.Err() as soon as the context is cancelled or
// its deadline passes, even while the library is still waiting on a server. GetMany
// (and GetManyJSON, GetManyContext, GetManyJSONContext) resolves many names in one call,
// one Result each.
//
// The library keeps one process-wide configuration and context (Python's is per
// thread); every function here is safe to call from any number of goroutines.
package prefectsecrets

/*
// The C header, prefect_secrets.h, is not kept in this directory in the repository: it is
// the repository's include/prefect_secrets.h, three levels up. The published module (the
// zip scripts/dist-bindings writes) cannot reach outside bindings/go, so it carries the
// release archive's header here instead. A header here (the published module's) comes
// first, then the repository's include/, then a pkg-config Cflags directory (these are
// CPPFLAGS, which go puts ahead of pkg-config's). -I${SRCDIR} is explicit because the cgo
// tool, which reads the header's types and constants, searches this directory only after
// every -I flag (the C compiler gets it first); without it the two could read different
// headers. In the repository a copy here is gitignored, and TestHeaderSource fails while
// one exists. go's build cache does not see the header in include/: see TestHeaderSource.
#cgo CPPFLAGS: -I${SRCDIR} -I${SRCDIR}/../../../include
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

// Wipes and frees a C copy of something secret (a context value, a token, an API key or
// an auth string). Values from the library are freed with secret_free, which wipes them.
static void ps_free_secret(char *p, size_t n) {
	if (p == NULL) return;
	volatile char *v = p;
	while (n-- > 0) *v++ = 0;
	free(p);
}

typedef struct {
	int32_t status;
	char *value;  // the library's copy of the value on SECRET_OK (free with secret_free), else NULL
	size_t len;   // the value's length in bytes, without the NUL (on SECRET_OK)
	char *err;    // as in ps_status
} ps_value;

// A get in one cgo call: the library sizes and allocates the value (secret_get_alloc), so
// there is no buffer to guess and no retry, and one get is one round trip to a server.
// within > 0 bounds a server exchange by that many seconds too (secret_get_alloc_within).
static ps_value ps_get(int json, const char *name, double within) {
	ps_value r = { 0, NULL, 0, NULL };
	if (within > 0)
		r.status = json ? secret_get_json_alloc_within(name, within, &r.value, &r.len)
		                : secret_get_alloc_within(name, within, &r.value, &r.len);
	else
		r.status = json ? secret_get_json_alloc(name, &r.value, &r.len)
		                : secret_get_alloc(name, &r.value, &r.len);
	if (r.status < 0) r.err = ps_strdup(secret_last_error());
	return r;
}

// A report (secret_explain_alloc, secret_config_view_alloc) in one cgo call, as ps_get:
// on SECRET_OK, value is the library's copy of the text (free with secret_free).
static ps_value ps_explain(const char *name) {
	ps_value r = { 0, NULL, 0, NULL };
	r.status = secret_explain_alloc(name, &r.value, &r.len);
	if (r.status < 0) r.err = ps_strdup(secret_last_error());
	return r;
}

static ps_value ps_render_template(const char *template, bool json) {
	ps_value r = { 0, NULL, 0, NULL };
	r.status = secret_render_template(template, json, &r.value, &r.len);
	if (r.status < 0) r.err = ps_strdup(secret_last_error());
	return r;
}

static ps_value ps_config_view(bool show_sources) {
	ps_value r = { 0, NULL, 0, NULL };
	r.status = secret_config_view_alloc(show_sources, &r.value, &r.len);
	if (r.status < 0) r.err = ps_strdup(secret_last_error());
	return r;
}

typedef struct {
	int32_t status;
	SecretBatch *batch;  // the results (free with secret_batch_free); NULL only when the call was refused
	char *err;           // as in ps_status
} ps_batch;

// A batch get in one cgo call (secret_get_many, or secret_get_many_within when
// within > 0). Each entry's message is kept in the batch (secret_batch_error); err is the
// call's own, needed when the call is refused and there is no batch.
static ps_batch ps_get_many(const char *const *names, size_t count, bool json, double within) {
	ps_batch r = { 0, NULL, NULL };
	r.status = within > 0 ? secret_get_many_within(names, count, json, within, &r.batch)
	                      : secret_get_many(names, count, json, &r.batch);
	if (r.status < 0) r.err = ps_strdup(secret_last_error());
	return r;
}

static ps_status ps_config_set(const char *k, const char *v) { return ps_check(secret_config_set(k, v)); }
static ps_status ps_set_use_local_secrets(bool b) { return ps_check(secret_config_set_use_local_secrets(b)); }
static ps_status ps_set_auth_token(const char *t) { return ps_check(secret_config_set_auth_token(t)); }
static ps_status ps_set_cloud_graphql(const char *u) { return ps_check(secret_config_set_cloud_graphql(u)); }
static ps_status ps_set_timeouts(double c, double r) { return ps_check(secret_config_set_timeouts(c, r)); }
static ps_status ps_set_max_reply_bytes(uint64_t n) { return ps_check(secret_config_set_max_reply_bytes(n)); }
static ps_status ps_set_ca_bundle(const char *p) { return ps_check(secret_config_set_ca_bundle(p)); }
static ps_status ps_set_allow_insecure_http(bool b) { return ps_check(secret_config_set_allow_insecure_http(b)); }
static ps_status ps_set_server_flavor(int32_t f) { return ps_check(secret_config_set_server_flavor(f)); }
static ps_status ps_set_api_url(const char *u) { return ps_check(secret_config_set_api_url(u)); }
static ps_status ps_set_api_key(const char *k) { return ps_check(secret_config_set_api_key(k)); }
static ps_status ps_set_api_auth_string(const char *a) { return ps_check(secret_config_set_api_auth_string(a)); }
static ps_status ps_set_reuse_window(double s) { return ps_check(secret_config_set_reuse_window(s)); }
static ps_status ps_set_cache_ttl(double s) { return ps_check(secret_config_set_cache_ttl(s)); }
static ps_status ps_cache_clear(void) { return ps_check(secret_cache_clear()); }
static ps_status ps_load_file(const char *p) { return ps_check(secret_config_load_file(p)); }
static ps_status ps_reset(void) { return ps_check(secret_config_reset()); }
static ps_status ps_context_set_bytes(const char *n, const char *v, size_t len) { return ps_check(secret_context_set_bytes(n, v, len)); }
static ps_status ps_context_remove(const char *n) { return ps_check(secret_context_remove(n)); }
static ps_status ps_context_clear(void) { return ps_check(secret_context_clear()); }
static ps_status ps_set_flow_building(bool b) { return ps_check(secret_context_set_flow_building(b)); }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// Get resolves the secret name as Prefect 0.5.3's Secret(name).get() does. A string
// value comes back as its text (which may contain NUL bytes; a lone surrogate, possible
// in Python, comes back in its 3-byte WTF-8 form); any other value as compact JSON, as
// GetJSON gives it (a dict as {"a":1}, a float as 1.5 or NaN, a bool as true, ...).
//
// A secret that is not set, or that resolves to None, gives found == false and a nil
// error. Errors are *Error values: match them with errors.Is(err, ErrAuth) and the other
// sentinels.
func Get(name string) (value string, found bool, err error) {
	return get(false, "secret_get", name, 0)
}

// GetJSON resolves the secret name like Get, but always as JSON, exactly as Python's
// json.dumps(value, separators=(",", ":")) writes it: a string comes out quoted with
// every non-ASCII character escaped, and floats may be NaN, Infinity or -Infinity (which
// encoding/json does not accept; integers may also exceed 64 bits).
func GetJSON(name string) (value string, found bool, err error) {
	return get(true, "secret_get_json", name, 0)
}

// GetContext is Get bounded by ctx: when ctx is cancelled or its deadline passes before
// the library answers, it returns "", false and ctx.Err() at once (context.Canceled or
// context.DeadlineExceeded; test with errors.Is).
//
// A deadline is passed down to the library (secret_get_alloc_within): a server exchange
// ends by then, or after the request timeout (SetTimeouts) when that is shorter, so the
// library call and its connection do not outlive the deadline. A cancellation cannot
// interrupt the library call: it goes on in the background until it ends (at the latest
// after the request timeout, or ctx's deadline), and its value is then wiped and freed,
// never returned. A context already done returns its error without calling the library;
// a context that can never be done (context.Background()) is a plain Get.
func GetContext(ctx context.Context, name string) (value string, found bool, err error) {
	return getContext(ctx, false, "secret_get", name)
}

// GetJSONContext is GetJSON bounded by ctx, as GetContext is Get.
func GetJSONContext(ctx context.Context, name string) (value string, found bool, err error) {
	return getContext(ctx, true, "secret_get_json", name)
}

// Result is what a batch get (GetMany and its variants) gives for one name.
type Result struct {
	Name  string // the name, as given
	Value string // the value as Get (GetJSON for the JSON variants) gives it, when Found
	Found bool   // false when the secret is not set, resolves to None, or Err is set
	Err   error  // why this name failed (an *Error, as Get's), or nil
}

// GetMany resolves each of names as Get would resolve it alone, in one library call
// (secret_get_many), all from one configuration. The results are in the order of names,
// one per name, duplicates included. With ServerPrefect3 the names are asked of the
// server in one request (per 200 names) instead of one each; with ServerPrefect05 one
// request each, back to back on one connection.
//
// err is nil when every name resolved or was not found. When any name failed, each
// failed Result has its own Err (an *Error matching its sentinel: errors.Is(r.Err,
// ErrAuth)), every other Result is filled in all the same, and err is an *Error with the
// first failed name's Code (so errors.Is(err, ErrAuth) tells its kind too) whose Message
// says how many names failed and which was the first, by index and name, and why. A name
// with a NUL byte fails its own Result with ErrInvalidArgument and is not passed to the
// library (a NULL stands in its place). The results are nil only when the library
// refuses the call as a whole (err).
func GetMany(names []string) (results []Result, err error) {
	return getMany(context.Background(), false, names)
}

// GetManyJSON is GetMany with every value as GetJSON gives it (secret_get_many with
// json set).
func GetManyJSON(names []string) (results []Result, err error) {
	return getMany(context.Background(), true, names)
}

// GetManyContext is GetMany bounded by ctx, as GetContext is Get: when ctx is done
// before the library answers, it returns nil results and ctx.Err() at once (and the
// batch, once made, is wiped and freed in the background). A deadline is passed down to
// the library (secret_get_many_within), so every server exchange of the call ends by it.
func GetManyContext(ctx context.Context, names []string) (results []Result, err error) {
	return getMany(ctx, false, names)
}

// GetManyJSONContext is GetManyJSON bounded by ctx, as GetManyContext is GetMany.
func GetManyJSONContext(ctx context.Context, names []string) (results []Result, err error) {
	return getMany(ctx, true, names)
}

// opGetMany is the C function every batch get's errors name, whichever variant it calls.
const opGetMany = "secret_get_many"

func getMany(ctx context.Context, json bool, names []string) ([]Result, error) {
	results := make([]Result, len(names))
	refused := make([]bool, len(names)) // names C cannot carry, not passed to the library
	for i, name := range names {
		results[i].Name = name
		if err := checkCString(opGetMany, "name", name); err != nil {
			results[i].Err, refused[i] = err, true
		}
	}
	r, err := callContext(ctx, func(within float64) C.ps_batch { return callGetMany(names, refused, json, within) },
		func(r C.ps_batch) bool { return r.status < 0 }, dropBatch)
	if err != nil {
		return nil, err
	}
	if err := takeBatch(r, results, refused); err != nil {
		return nil, err
	}
	return results, firstFailure(results)
}

// callGetMany is one library batch get (secret_get_many, or secret_get_many_within when
// within > 0) of names in one cgo call. A refused name is passed as NULL, so the library
// never sees it and the batch's entries keep the positions of names (each entry's
// message says names[i] of the same i). The array of names is C memory (cgo forbids
// passing C a Go pointer to Go pointers), as are the names; all are freed when the call
// returns.
func callGetMany(names []string, refused []bool, json bool, within float64) C.ps_batch {
	var cnames **C.char // NULL for no names, which the library takes with a count of 0
	if len(names) > 0 {
		cnames = (**C.char)(C.malloc(C.size_t(len(names)) * C.size_t(unsafe.Sizeof(cnames))))
		ptrs := unsafe.Slice(cnames, len(names))
		for i, name := range names {
			ptrs[i] = nil
			if !refused[i] {
				ptrs[i] = C.CString(name)
			}
		}
		defer func() {
			for _, p := range ptrs {
				C.free(unsafe.Pointer(p))
			}
			C.free(unsafe.Pointer(cnames))
		}()
	}
	return C.ps_get_many(cnames, C.size_t(len(names)), C.bool(json), C.double(within))
}

// takeBatch copies a batch's entries into results (but for the refused names, whose
// Results already say why), then wipes and frees the batch, and frees the call's message
// (each entry carries its own). With no batch (the call was refused), the call's error.
func takeBatch(r C.ps_batch, results []Result, refused []bool) error {
	defer C.secret_batch_free(r.batch) // NULL when the call was refused
	if r.batch == nil {
		return statusError(opGetMany, int32(r.status), r.err)
	}
	C.free(unsafe.Pointer(r.err))
	if n := int(C.secret_batch_len(r.batch)); n != len(results) {
		return &Error{Code: StatusInternal, Op: opGetMany,
			Message: fmt.Sprintf("the library's batch has %d entries for %d names", n, len(results))}
	}
	for i := range results {
		if refused[i] {
			continue
		}
		index := C.size_t(i)
		switch status := int32(C.secret_batch_status(r.batch, index)); status {
		case StatusOK:
			var n C.size_t
			results[i].Value = goText(C.secret_batch_value(r.batch, index, &n), n)
			results[i].Found = true
		case StatusNotFound:
		default:
			message := C.GoString(C.secret_batch_error(r.batch, index))
			results[i].Err = &Error{Code: status, Op: opGetMany, Message: message}
		}
	}
	return nil
}

// dropBatch wipes and frees a batch nobody will read, and the call's message.
func dropBatch(r C.ps_batch) {
	C.secret_batch_free(r.batch)
	C.free(unsafe.Pointer(r.err))
}

// firstFailure is a batch get's error: nil when no name failed, else an *Error with the
// first failed name's code, saying how many failed and why the first did (as the library
// says it, with the name).
func firstFailure(results []Result) error {
	failed, first := 0, -1
	for i := range results {
		if results[i].Err != nil {
			if first < 0 {
				first = i
			}
			failed++
		}
	}
	if first < 0 {
		return nil
	}
	var cause *Error
	if !errors.As(results[first].Err, &cause) { // (every Err is an *Error)
		cause = &Error{Code: StatusInternal, Message: results[first].Err.Error()}
	}
	return &Error{Code: cause.Code, Op: opGetMany,
		Message: fmt.Sprintf("%d of %d names failed; the first, names[%d] %q: %s",
			failed, len(results), first, results[first].Name, cause.Message)}
}

// get is one get in the calling goroutine; within > 0 bounds its server exchange by that
// many seconds (see callGet).
func get(json bool, op, name string, within float64) (string, bool, error) {
	if err := checkCString(op, "name", name); err != nil {
		return "", false, err
	}
	return takeValue(op, callGet(json, name, within))
}

func getContext(ctx context.Context, json bool, op, name string) (string, bool, error) {
	if err := checkCString(op, "name", name); err != nil {
		return "", false, err
	}
	r, err := callContext(ctx, func(within float64) C.ps_value { return callGet(json, name, within) },
		func(r C.ps_value) bool { return r.status < 0 }, dropValue)
	if err != nil {
		return "", false, err
	}
	return takeValue(op, r)
}

// callContext makes one library call bounded by ctx, as GetContext documents: call(within)
// makes it, within > 0 being the seconds left before ctx's deadline (0: none), which the
// call passes down to the library. It returns call's result, or ctx.Err() when ctx is
// done first (already done: call is not made at all). A context that can never be done
// calls it in the calling goroutine; otherwise call runs in a goroutine of its own, which
// owns its result until the result is handed over: failed(r) says whether the library
// call failed (then, once the deadline has passed, the failure is reported as ctx's), and
// drop(r) wipes and frees a result nobody will read. call must own its C arguments (copy
// them in and free them itself), since it may outlive the caller's wait.
func callContext[R any](ctx context.Context, call func(within float64) R, failed func(R) bool,
	drop func(R)) (R, error) {
	var none R
	if err := ctx.Err(); err != nil {
		return none, err
	}
	done := ctx.Done()
	if done == nil {
		return call(0), nil
	}
	var within float64 // seconds left before ctx's deadline; 0: none
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		left := time.Until(deadline).Seconds()
		if left <= 0 {
			<-done // the deadline has passed: ctx is done or about to be
			return none, ctx.Err()
		}
		if left < 1e9 { // the library's limit; longer is no limit at all
			within = left
		}
	}
	// The channel is unbuffered, so a result is either received here (and returned to
	// the caller, which takes it) or, once ctx is done and nobody will receive it,
	// dropped by the goroutine: never both, never neither.
	results := make(chan R)
	go func() {
		r := call(within)
		select {
		case results <- r:
		case <-done:
			drop(r)
		}
	}()
	select {
	case r := <-results:
		if failed(r) && hasDeadline && !time.Now().Before(deadline) {
			// The library gave up at the deadline passed down, maybe a moment before
			// ctx's own timer fires: report it as ctx's.
			drop(r)
			<-done
			return none, ctx.Err()
		}
		return r, nil
	case <-done:
		return none, ctx.Err()
	}
}

// callGet is one library get (secret_get_alloc or secret_get_json_alloc) of name, which
// checkCString has accepted, in one cgo call; within > 0 bounds its server exchange by
// that many seconds (the _within variants).
func callGet(json bool, name string, within float64) C.ps_value {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var asJSON C.int
	if json {
		asJSON = 1
	}
	return C.ps_get(asJSON, cname, C.double(within))
}

// takeValue turns a get's result into Go values, then wipes and frees the library's copy
// of the value (and the message's copy).
func takeValue(op string, r C.ps_value) (string, bool, error) {
	// The library's copy is wiped and freed here whatever the status (secret_free
	// ignores NULL, which is what every status but SECRET_OK leaves).
	defer C.secret_free(r.value)
	switch r.status {
	case C.SECRET_OK:
		return goText(r.value, r.len), true, nil
	case C.SECRET_NOT_FOUND:
		return "", false, nil
	}
	return "", false, statusError(op, int32(r.status), r.err)
}

// dropValue wipes and frees a result nobody will read.
func dropValue(r C.ps_value) {
	C.secret_free(r.value)
	C.free(unsafe.Pointer(r.err))
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

// SetAllowInsecureHTTP allows plain http:// to servers that are not loopback, so
// credentials and secret values cross the network unencrypted (default false: such URLs
// fail the get with ErrClient before anything is sent). Loopback addresses (127.0.0.0/8,
// ::1, localhost) are always allowed. It applies to both server flavours.
func SetAllowInsecureHTTP(allow bool) error {
	return check("secret_config_set_allow_insecure_http", C.ps_set_allow_insecure_http(C.bool(allow)))
}

// The ServerFlavor constants are the C enum's values: these fail to compile otherwise
// (the index would be negative or out of range).
var (
	_ = [1]struct{}{}[ServerPrefect05-C.SECRET_SERVER_PREFECT_0_5]
	_ = [1]struct{}{}[ServerPrefect3-C.SECRET_SERVER_PREFECT_3]
)

// SetServerFlavor chooses which Prefect a get follows (config.cloud.server_flavor):
// ServerPrefect05 (the default; its server is asked when SetUseLocalSecrets(false)) or
// ServerPrefect3 (Prefect 3's Secret.load: every get reads the server's Secret blocks,
// with Prefect 3's settings; the one switch, like PREFECT_SECRETS_FLAVOR=prefect-3).
// Any other value gives an error matching ErrInvalidArgument.
func SetServerFlavor(flavor ServerFlavor) error {
	return check("secret_config_set_server_flavor", C.ps_set_server_flavor(C.int32_t(flavor)))
}

// SetAPIURL sets the Prefect 2/3 API URL used by ServerPrefect3 (config.cloud.api_url),
// such as "http://127.0.0.1:4200/api" or
// "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>".
func SetAPIURL(url string) error {
	const op = "secret_config_set_api_url"
	curl, err := cString(op, "url", url)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(curl))
	return check(op, C.ps_set_api_url(curl))
}

// ClearAPIURL removes the URL set with SetAPIURL, going back to Prefect 3's
// PREFECT_API_URL (from its sources, as read when the configuration was loaded).
func ClearAPIURL() error {
	return check("secret_config_set_api_url", C.ps_set_api_url(nil))
}

// SetAPIKey sets the Prefect Cloud API key that ServerPrefect3 sends as a bearer token
// (config.cloud.api_key). An auth string (SetAPIAuthString) takes precedence over it.
func SetAPIKey(key string) error {
	const op = "secret_config_set_api_key"
	ckey, err := cString(op, "key", key)
	if err != nil {
		return err
	}
	defer C.ps_free_secret(ckey, C.size_t(len(key)+1))
	return check(op, C.ps_set_api_key(ckey))
}

// ClearAPIKey removes the key set with SetAPIKey, going back to the PREFECT_API_KEY
// environment variable (as read when the configuration was loaded).
func ClearAPIKey() error {
	return check("secret_config_set_api_key", C.ps_set_api_key(nil))
}

// SetAPIAuthString sets the "user:password" that a self-hosted Prefect 2/3 server checks
// with HTTP Basic auth (config.cloud.api_auth_string). It takes precedence over the API
// key, as in Prefect's client.
func SetAPIAuthString(auth string) error {
	const op = "secret_config_set_api_auth_string"
	cauth, err := cString(op, "auth", auth)
	if err != nil {
		return err
	}
	defer C.ps_free_secret(cauth, C.size_t(len(auth)+1))
	return check(op, C.ps_set_api_auth_string(cauth))
}

// ClearAPIAuthString removes the auth string set with SetAPIAuthString, going back to the
// PREFECT_API_AUTH_STRING environment variable (as read when the configuration was
// loaded).
func ClearAPIAuthString() error {
	return check("secret_config_set_api_auth_string", C.ps_set_api_auth_string(nil))
}

// SetReuseWindow sets how long an OS thread may reuse the value it just fetched from the
// server for the same name (default 1s; 0 turns it off; negative is ErrInvalidArgument).
// Get and GetJSON are one library call each, so this only matters between calls: to get
// one round trip (and one value) for a GetJSON followed by a Get, make both calls from a
// goroutine locked to its thread with runtime.LockOSThread. Any setter ends the reuse at
// once.
func SetReuseWindow(window time.Duration) error {
	return check("secret_config_set_reuse_window", C.ps_set_reuse_window(C.double(window.Seconds())))
}

// SetCacheTTL turns on the process-wide cache of server values (config.cloud.cache_ttl):
// for ttl after a value is fetched, gets of that name from any goroutine are answered
// from memory. The default, 0, turns it off, so every get asks the server as Prefect
// does. Any setter, ResetConfig and CacheClear end it; values are wiped when they
// expire. Negative, or 1e9 seconds (about 31 years) and more, is ErrInvalidArgument.
// Only found values are cached: a name the server does not know is asked again.
func SetCacheTTL(ttl time.Duration) error {
	return check("secret_config_set_cache_ttl", C.ps_set_cache_ttl(C.double(ttl.Seconds())))
}

// CacheClear wipes every cached server value now (see SetCacheTTL), and the values
// threads remember for immediate repeats (see SetReuseWindow): the next get of any name
// asks the server.
func CacheClear() error {
	return check("secret_cache_clear", C.ps_cache_clear())
}

// SetConfig sets the [cloud] setting key (such as "cache_ttl", or "cloud.cache_ttl") from
// text, as the typed setters do and as a PREFECT__CLOUD__<KEY> environment variable
// would: "true" or "false" (any case) for a switch (SetConfig("allow_insecure_http",
// "true")), a decimal number of seconds or bytes (SetConfig("cache_ttl", "2.5")), a
// flavour's configuration name ("prefect-0.5", "prefect-3"), or text kept as it is (URLs,
// paths, credentials). The keys: use_local_secrets, auth_token, graphql, connect_timeout,
// request_timeout, max_reply_bytes, ca_bundle, allow_insecure_http, reuse_window,
// cache_ttl, server_flavor, api_url, api_key, api_auth_string.
//
// An unknown key or a value of the wrong kind gives an error matching
// ErrInvalidArgument and changes nothing; its message names the key, never the value.
// The value may be a credential (auth_token, api_key, api_auth_string): the binding wipes
// its C copy once the library has it.
func SetConfig(key, value string) error {
	const op = "secret_config_set"
	ckey, err := cString(op, "key", key)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(ckey))
	cvalue, err := cString(op, "value", value)
	if err != nil {
		return err
	}
	defer C.ps_free_secret(cvalue, C.size_t(len(value)+1))
	return check(op, C.ps_config_set(ckey, cvalue))
}

// UnsetConfig removes the [cloud] setting key (see SetConfig), so its default, or its
// environment variable, applies again: UnsetConfig("auth_token") is ClearAuthToken().
// use_local_secrets and graphql cannot be removed (ErrInvalidArgument), nor can an
// unknown key.
func UnsetConfig(key string) error {
	const op = "secret_config_set"
	ckey, err := cString(op, "key", key)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(ckey))
	return check(op, C.ps_config_set(ckey, nil))
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

// Explain is a plain-text report on what Get(name) would do with the current
// configuration, and why. Its first line says found, not found, asked of the server, or
// why every get fails; the indented lines after it say where the secret was set
// (environment variable, configuration file and line, ${...} reference, $VAR/~
// expansion, "this library's API"), what json.loads makes of it (by kind
// and size), and for a name that is not found the near misses: another case or spacing
// (`did you mean "my_key"?` for "MY_KEY", since Prefect lowercases the names of
// environment variables), a mistyped PREFECT__CONTEXT__SECRETS__ variable, a config.toml
// that is not read. On the server path it names the flavour, the URL (without
// credentials or query), where the credential comes from and whether the cache would
// answer.
//
// The report never contains a secret value, a token, a key or an auth string, and
// Explain never asks a server. A configuration that cannot be loaded is reported, not
// an error. The text is for people: its wording may change between versions of the
// library.
func Explain(name string) (string, error) {
	const op = "secret_explain"
	cname, err := cString(op, "name", name)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cname))
	return takeText(op, C.ps_explain(cname))
}

// RenderTemplate renders Prefect 3's placeholders in template as Prefect 3's workers
// render a deployment's job variables (secret_render_template; docs/templating.md):
// {{ prefect.blocks.TYPE.NAME[.keypath] }}, {{ prefect.variables.NAME }} and {"$ref":
// {"block_document_id": ...}}. With json, template is a JSON document and the result
// compact JSON; without, template is one string and the result its rendered text. It
// needs the ServerPrefect3 flavour (an error matching ErrConfig otherwise); a missing
// block or key path is an error; no error message contains a value.
func RenderTemplate(template string, json bool) (string, error) {
	const op = "secret_render_template"
	ctemplate, err := cString(op, "template", template)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(ctemplate))
	return takeText(op, C.ps_render_template(ctemplate, C.bool(json)))
}

// ConfigView is the effective configuration as TOML: what Prefect 0.5.3's prefect.config
// holds, context.secrets included. Default deny: only known settings that are not
// credentials, built from nothing masked (through any ${...} or $VAR), are shown; every
// other value is "******** (TYPE)". With showSources, each value ends with a comment
// saying where it came from, as Prefect 2/3's `prefect config view --show-sources` does:
//
//	auth_token = "******** (text)"  # environment variable PREFECT__CLOUD__AUTH_TOKEN
//
// A configuration that cannot be loaded gives an error matching ErrConfig. The text is
// for people: its layout may change between versions of the library.
func ConfigView(showSources bool) (string, error) {
	return takeText("secret_config_view", C.ps_config_view(C.bool(showSources)))
}

// takeText turns a report's result into a Go string, then frees the library's copy (and
// the message's copy).
func takeText(op string, r C.ps_value) (string, error) {
	defer C.secret_free(r.value) // NULL on every status but SECRET_OK
	if r.status < 0 {
		return "", statusError(op, int32(r.status), r.err)
	}
	if r.value == nil {
		return "", nil
	}
	return goText(r.value, r.len), nil
}

// goText copies the n bytes at p (a value or a report, which may hold NUL bytes) into a
// Go string.
func goText(p *C.char, n C.size_t) string {
	return string(unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
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

// cString copies s for C, refusing a NUL byte (see checkCString). The caller frees the
// result.
func cString(op, what, s string) (*C.char, error) {
	if err := checkCString(op, what, s); err != nil {
		return nil, err
	}
	return C.CString(s), nil
}

// checkCString refuses a string with a NUL byte, which C would see as its end: an
// ErrInvalidArgument naming what it is, without calling the library.
func checkCString(op, what, s string) *Error {
	if strings.IndexByte(s, 0) >= 0 {
		return &Error{Code: StatusInvalidArgument, Op: op, Message: what + " contains a NUL byte"}
	}
	return nil
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
