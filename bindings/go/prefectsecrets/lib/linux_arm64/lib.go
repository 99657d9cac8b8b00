// Package lib is the directory of the linux_arm64 static library, libprefect_secrets.a, which
// the published module carries here (scripts/dist-bindings puts it in; it is not in git).
// The package has no code: it exists so that "go mod vendor" copies the directory, as
// vendor_keep.go imports it.
package lib
