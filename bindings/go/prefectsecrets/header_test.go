package prefectsecrets

import (
	"errors"
	"os"
	"regexp"
	"testing"
)

var cVersionDefine = regexp.MustCompile(`(?m)^#define PREFECT_SECRETS_VERSION "([^"]*)"`)

// The header cgo compiles against is the first prefect_secrets.h found: one in this
// directory, else the repository's include/ (secrets.go's #cgo CPPFLAGS, in that order).
// The published module carries its copy here; the repository has none, and a stray one
// (gitignored) would silently shadow include/prefect_secrets.h, so in the repository this
// test fails while one exists. In both places it then checks that the package was
// compiled against the header the tests read (driftHeader): HeaderVersion, which cgo took
// from the compiled header, is that header's PREFECT_SECRETS_VERSION. In the repository
// this also catches a stale build: go's build cache does not see a header outside the
// package directory (golang/go#24355), so after include/prefect_secrets.h changes it may
// reuse a package compiled against the old one (scripts/test-all puts the header's hash
// in CGO_CPPFLAGS, which is part of the cache key).
func TestHeaderSource(t *testing.T) {
	if _, err := os.Stat(repoHeader); err == nil {
		_, err := os.Stat(packagedHeader)
		if err == nil {
			t.Fatalf("bindings/go/prefectsecrets/%s exists: it shadows include/prefect_secrets.h "+
				"(cgo looks in the package directory first). Delete it: in the repository the "+
				"header is include/prefect_secrets.h only, and scripts/dist-bindings copies it "+
				"into the published module.", packagedHeader)
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	text, path := driftHeader(t)
	m := cVersionDefine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s has no #define PREFECT_SECRETS_VERSION \"...\" line", path)
	}
	if m[1] != HeaderVersion {
		t.Errorf("the package was compiled against a header of version %s (HeaderVersion), "+
			"but %s says %s: either go reused a build from before the header changed (its "+
			"cache does not see headers outside the package directory: run go clean -cache, "+
			"or build with -a) or another prefect_secrets.h came first on the include path "+
			"(CGO_CPPFLAGS or CGO_CFLAGS?)", HeaderVersion, path, m[1])
	}
}
