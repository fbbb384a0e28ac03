package duban

import (
	"encoding/json"
	"time"
)

// AuditEvent records one mutating call. Events of a tenant form a hash
// chain: Hash covers PrevHash and every other field, so changing or removing
// a stored event breaks the chain at that event.
type AuditEvent struct {
	ID        int64           `json:"id"`
	Tenant    string          `json:"tenant"`
	Seq       int64           `json:"seq"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Outcome   string          `json:"outcome"` // "ok" or "denied"
	RequestID string          `json:"request_id"`
	At        time.Time       `json:"at"`
	Summary   json.RawMessage `json:"summary"`
	PrevHash  string          `json:"prev_hash"`
	Hash      string          `json:"hash"`
}

// Audit outcomes.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
)

// AuditFilter selects audit events.
type AuditFilter struct {
	Tenant   string // only this tenant's chain
	Action   string
	BeforeID int64 // cursor: events with smaller ids
	Limit    int
}

// BrokenLink describes the first event whose chain does not verify.
type BrokenLink struct {
	Tenant string `json:"tenant"`
	Seq    int64  `json:"seq"`
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
}
