package duban

import "encoding/json"

// Idempotent is a remembered response to a creating request.
type Idempotent struct {
	Login, Key, Operation, RequestHash string
	Status                             int
	Response                           json.RawMessage
	TenantPath                         string
}
