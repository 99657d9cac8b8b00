//go:build prefect_secrets_pkgconfig

package prefectsecrets

// Linking through pkg-config (build tag prefect_secrets_pkgconfig): the flags come from
// prefect_secrets.pc, found on PKG_CONFIG_PATH (see README.md for an example file).

// #cgo pkg-config: prefect_secrets
import "C"
