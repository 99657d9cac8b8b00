//go:build prefect_secrets_shared && !prefect_secrets_static && !prefect_secrets_pkgconfig

package prefectsecrets

// Shared library (build tag prefect_secrets_shared): -lprefect_secrets, found by the
// linker's usual search. Point at it with CGO_LDFLAGS="-L<dir> -Wl,-rpath,<dir>" (see
// README.md); this is how the tests run in a checkout, against target/release.

// #cgo LDFLAGS: -lprefect_secrets
import "C"
