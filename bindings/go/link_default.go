//go:build !prefect_secrets_static && !prefect_secrets_pkgconfig

package prefectsecrets

// Default linking: the shared library, found by the linker's usual search. Point at
// it with CGO_LDFLAGS="-L<dir> -Wl,-rpath,<dir>" (see README.md).

// #cgo LDFLAGS: -lprefect_secrets
import "C"
