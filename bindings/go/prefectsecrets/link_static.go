//go:build prefect_secrets_static && !prefect_secrets_pkgconfig

package prefectsecrets

// Static linking from a directory of your own (build tag prefect_secrets_static):
// libprefect_secrets.a goes into the Go binary, so nothing needs to be found at run
// time. Point at the directory holding the archive with CGO_LDFLAGS="-L<dir>". The system
// libraries are those printed by
// `cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs`.
// "-l:NAME" is understood by the GNU, gold and LLVM linkers (Linux and other ELF
// systems), so the archive is used even when the shared library sits beside it.

// #cgo LDFLAGS: -l:libprefect_secrets.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
