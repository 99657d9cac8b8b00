package prefectsecrets

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// The module keeps its own copy of the C header so that it builds outside the
// repository (a `go get` of this directory does not see ../../../include). This test
// fails when the copy falls behind the header the library is built with.
func TestHeaderCopyIsCurrent(t *testing.T) {
	const repoHeader = "../../../include/prefect_secrets.h"
	want, err := os.ReadFile(repoHeader)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not found: not inside the prefect-secrets repository", repoHeader)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("prefect_secrets.h")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("bindings/go/prefectsecrets/prefect_secrets.h differs from include/prefect_secrets.h.\n" +
			"Update the copy (cp ../../../include/prefect_secrets.h .) and wrap any new or " +
			"changed functions in secrets.go.")
	}
}
