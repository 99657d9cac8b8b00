package prefectsecrets

// #include "prefect_secrets.h"
import "C"

import "fmt"

// HeaderVersion is the version of the C header this package was built against
// (PREFECT_SECRETS_VERSION); compare it with Version(), the library's, at run time.
var HeaderVersion = fmt.Sprintf("%d.%d.%d",
	C.PREFECT_SECRETS_VERSION_MAJOR, C.PREFECT_SECRETS_VERSION_MINOR, C.PREFECT_SECRETS_VERSION_PATCH)
