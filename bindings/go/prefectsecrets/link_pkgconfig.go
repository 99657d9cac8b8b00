//go:build prefect_secrets_pkgconfig

package prefectsecrets

// An installed library, through pkg-config (build tag prefect_secrets_pkgconfig): the
// flags come from prefect_secrets.pc, found on PKG_CONFIG_PATH or pkg-config's default
// directories. Installed by `make install` outside the system's library directories (e.g.
// $HOME/.local), its Libs carry -Wl,-rpath,<libdir>, so the program finds the library at
// run time; an unpacked release archive's carry none: add CGO_LDFLAGS=-Wl,-rpath,<dir>.

// #cgo pkg-config: prefect_secrets
import "C"
