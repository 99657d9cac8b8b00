//go:build prefect_secrets_vendor_keep

package prefectsecrets

// "go mod vendor" copies only the directories of imported packages (every file in them
// but tests, so this directory's prefect_secrets.h in the published module comes along),
// and it considers every build tag. Importing the library directories under a tag nobody
// sets keeps their static libraries in a vendor/ tree, without ever compiling these
// imports.
import (
	_ "github.com/prefect-secrets/prefect-secrets/bindings/go/prefectsecrets/lib/linux_amd64"
	_ "github.com/prefect-secrets/prefect-secrets/bindings/go/prefectsecrets/lib/linux_arm64"
	_ "github.com/prefect-secrets/prefect-secrets/bindings/go/prefectsecrets/lib/windows_amd64"
)
