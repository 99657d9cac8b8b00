package prefectsecrets

// #include "prefect_secrets.h"
import "C"

import "strconv"

// ServerFlavor is the server API the server path speaks (enum SecretServerFlavor in
// prefect_secrets.h, whose numbers cgo reads from the header); choose it with
// SetServerFlavor.
type ServerFlavor int32

const (
	// ServerPrefect05 is Prefect 0.5.3's GraphQL secretValue query at
	// config.cloud.graphql, with the token of SetAuthToken or the credentials file
	// (SECRET_SERVER_PREFECT_0_5, the default).
	ServerPrefect05 = ServerFlavor(C.SECRET_SERVER_PREFECT_0_5)
	// ServerPrefect3 is a Prefect 2/3 server's Secret blocks (its REST API) at
	// SetAPIURL or Prefect 3's PREFECT_API_URL (profile, .env, environment, ...), read as
	// Prefect 3's Secret.load(name).get() does: a string value that is JSON is decoded
	// (SECRET_SERVER_PREFECT_3). No local secrets.
	ServerPrefect3 = ServerFlavor(C.SECRET_SERVER_PREFECT_3)
)

// String is the flavour's name in the configuration (config.cloud.server_flavor):
// "prefect-0.5" or "prefect-3"; other values print as ServerFlavor(N).
func (f ServerFlavor) String() string {
	switch f {
	case ServerPrefect05:
		return "prefect-0.5"
	case ServerPrefect3:
		return "prefect-3"
	}
	return "ServerFlavor(" + strconv.FormatInt(int64(f), 10) + ")"
}
