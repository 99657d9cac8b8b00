package prefectsecrets

// #include "prefect_secrets.h"
import "C"

import "strconv"

// Status codes of the C library (enum SecretStatus in prefect_secrets.h), whose numbers
// cgo reads from the header. Zero and positive values are not errors; a negative one is
// carried by an *Error.
const (
	StatusOK              = int32(C.SECRET_OK)
	StatusNotFound        = int32(C.SECRET_NOT_FOUND) // Python's None; not an error
	StatusInvalidArgument = int32(C.SECRET_ERR_INVALID_ARGUMENT)
	StatusBufferTooSmall  = int32(C.SECRET_ERR_BUFFER_TOO_SMALL)
	StatusFlowBuilding    = int32(C.SECRET_ERR_FLOW_BUILDING)
	StatusAuth            = int32(C.SECRET_ERR_AUTH)
	StatusClient          = int32(C.SECRET_ERR_CLIENT)
	StatusConfig          = int32(C.SECRET_ERR_CONFIG)
	StatusInternal        = int32(C.SECRET_ERR_INTERNAL)
)

// Error is a failed call: the library's status code and its message
// (secret_last_error(), read on the thread of the failing call).
//
// Match the kind of failure with errors.Is and the sentinels below:
//
//	if errors.Is(err, prefectsecrets.ErrAuth) { ... }
//
// An *Error matches any *Error with the same Code, so errors.Is works through
// fmt.Errorf("...: %w", err) wrapping too.
type Error struct {
	Code    int32  // a negative status, e.g. StatusAuth
	Op      string // the C function that failed, e.g. "secret_get"; empty for sentinels
	Message string // the library's explanation; never contains a secret value or token
}

// The sentinel errors, one per error status. Compare with errors.Is, never with ==.
var (
	// ErrInvalidArgument: a string with a NUL byte (checked before calling C), text that
	// is not UTF-8, or a value out of range (a non-positive timeout, for instance).
	ErrInvalidArgument = &Error{Code: StatusInvalidArgument}
	// ErrBufferTooSmall is the C buffer protocol's status. Get and GetJSON never return
	// it: the library sizes and allocates each value itself (secret_get_alloc).
	ErrBufferTooSmall = &Error{Code: StatusBufferTooSmall}
	// ErrFlowBuilding: a Flow is being built (SetFlowBuilding(true)); secrets are
	// refused until it is done.
	ErrFlowBuilding = &Error{Code: StatusFlowBuilding}
	// ErrAuth: no token for the server, or the server refused it after a refresh; for
	// ServerPrefect3, the server refused the API key or auth string (HTTP 401 or 403).
	ErrAuth = &Error{Code: StatusAuth}
	// ErrClient: the server could not be asked, or its answer is unusable.
	ErrClient = &Error{Code: StatusClient}
	// ErrConfig: the Prefect configuration is one Prefect 0.5.3 would refuse, or it
	// holds a value Get cannot return.
	ErrConfig = &Error{Code: StatusConfig}
	// ErrInternal: a bug in the library (a panic caught at its boundary), or no memory.
	ErrInternal = &Error{Code: StatusInternal}
)

// statusName is the C name of a status code.
func statusName(code int32) string {
	switch code {
	case StatusOK:
		return "SECRET_OK"
	case StatusNotFound:
		return "SECRET_NOT_FOUND"
	case StatusInvalidArgument:
		return "SECRET_ERR_INVALID_ARGUMENT"
	case StatusBufferTooSmall:
		return "SECRET_ERR_BUFFER_TOO_SMALL"
	case StatusFlowBuilding:
		return "SECRET_ERR_FLOW_BUILDING"
	case StatusAuth:
		return "SECRET_ERR_AUTH"
	case StatusClient:
		return "SECRET_ERR_CLIENT"
	case StatusConfig:
		return "SECRET_ERR_CONFIG"
	case StatusInternal:
		return "SECRET_ERR_INTERNAL"
	}
	return "status " + strconv.FormatInt(int64(code), 10)
}

// Error formats as "prefectsecrets: <op>: <message> (<STATUS NAME>)".
func (e *Error) Error() string {
	s := "prefectsecrets: "
	if e.Op != "" {
		s += e.Op + ": "
	}
	if e.Message != "" {
		return s + e.Message + " (" + statusName(e.Code) + ")"
	}
	return s + statusName(e.Code)
}

// Is reports whether target is an *Error with the same Code, which makes
// errors.Is(err, ErrAuth) and the other sentinels work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}
