//go:build !prefect_secrets_pkgconfig && !prefect_secrets_static && !prefect_secrets_shared && ((linux && amd64) || (linux && arm64) || (windows && amd64))

package prefectsecrets

// Default linking: the static library carried by the published module, one per
// platform, under lib/<GOOS>_<GOARCH>/. The Go program then needs no prefect-secrets
// library at run time and no CGO_* variables at build time.
//
// lib/ is not in git: scripts/dist-bindings copies each platform's libprefect_secrets.a
// out of the release archives into the module it publishes, and rewrites each platform's
// system libraries below from that archive's prefect_secrets.pc (Libs.private). In a
// checkout, build with a tag instead (prefect_secrets_shared with CGO_LDFLAGS, see
// README.md), or copy target/release/libprefect_secrets.a to lib/linux_amd64/.

// #cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libprefect_secrets.a -lutil -lrt -lpthread -lm -ldl -lc
// #cgo linux,arm64 LDFLAGS: ${SRCDIR}/lib/linux_arm64/libprefect_secrets.a -lutil -lrt -lpthread -lm -ldl -lc
// #cgo windows,amd64 LDFLAGS: ${SRCDIR}/lib/windows_amd64/libprefect_secrets.a -lbcrypt -ladvapi32 -lcrypt32 -lncrypt -lsecur32 -lws2_32 -lkernel32 -lntdll -luserenv -lsynchronization
import "C"
