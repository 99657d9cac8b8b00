//go:build prefect_secrets_pkgconfig

package prefectsecrets

// An installed library, through pkg-config (build tag prefect_secrets_pkgconfig): the
// flags come from prefect_secrets.pc, found on PKG_CONFIG_PATH or pkg-config's default
// directories. Its Libs carry -Wl,-rpath,${libdir}, so the program finds the library at
// run time even when libdir is not one of the loader's directories (e.g. $HOME/.local).

// #cgo pkg-config: prefect_secrets
import "C"
