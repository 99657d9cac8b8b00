//go:build cgo && !prefect_secrets_pkgconfig && !prefect_secrets_static && !prefect_secrets_shared && !((linux && amd64) || (linux && arm64) || (windows && amd64))

package prefectsecrets

// The published module carries static libraries for linux/amd64, linux/arm64 and
// windows/amd64 only. Elsewhere the build stops here with this sentence.
const _ = "package prefectsecrets carries no prebuilt library for this GOOS/GOARCH (only linux/amd64, linux/arm64, windows/amd64): install the prefect-secrets library and build with -tags prefect_secrets_pkgconfig (or prefect_secrets_shared with CGO_LDFLAGS), see the README" + 0
