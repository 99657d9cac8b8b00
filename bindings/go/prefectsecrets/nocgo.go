//go:build !cgo

package prefectsecrets

// Every function of this package calls the prefect-secrets C library through cgo. With
// CGO_ENABLED=0 (the default when cross-compiling, or with no C compiler found) the build
// stops here with this sentence instead of "undefined: prefectsecrets.Get".
const _ = "package prefectsecrets needs cgo (it calls the prefect-secrets C library): build with CGO_ENABLED=1 and a C compiler on PATH (when cross-compiling, also CC=<target>-gcc), see the README's Install section" + 0
