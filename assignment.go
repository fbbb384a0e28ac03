package duban

import (
	"strings"
	"time"
)

// AssignmentState is where an assignment stands in its lifecycle.
type AssignmentState string

// Assignment states: assigned → in_progress → submitted → approved →
// signed_off, with returned looping back to submitted; cancelled ends it.
const (
	StateAssigned   AssignmentState = "assigned"
	StateInProgress AssignmentState = "in_progress"
	StateSubmitted  AssignmentState = "submitted"
	StateReturned   AssignmentState = "returned"
	StateApproved   AssignmentState = "approved"
	StateSignedOff  AssignmentState = "signed_off"
	StateCancelled  AssignmentState = "cancelled"
)

// Open reports whether the assignee still owes a report.
func (s AssignmentState) Open() bool {
	return s == StateAssigned || s == StateInProgress || s == StateReturned
}

// Final reports whether nothing more happens (until a higher level reopens).
func (s AssignmentState) Final() bool { return s == StateSignedOff || s == StateCancelled }

// Assignment is one tenant's task in a campaign (read model).
type Assignment struct {
	ID               string          `json:"id"`
	CampaignID       string          `json:"campaign"`
	Tenant           string          `json:"tenant"`
	TenantPath       string          `json:"-"`
	Level            Level           `json:"level"`
	Phase            string          `json:"phase"`
	Title            string          `json:"title"`
	Lines            []Line          `json:"lines,omitempty" doc:"The campaign's department lines (条线)"`
	ReviewerTenant   string          `json:"reviewer_tenant"`
	SignerTenant     string          `json:"signer_tenant"`
	ParentID         string          `json:"parent,omitempty"`
	State            AssignmentState `json:"state"`
	DueAt            time.Time       `json:"due_at"`
	OriginalDue      *time.Time      `json:"original_due,omitempty" doc:"While a returned report is reworked: the due date it had before the return, restored when the rework is submitted"`
	Overdue          bool            `json:"overdue"`
	EscalationLevel  int             `json:"escalation_level"`
	Draft            map[string]any  `json:"draft,omitempty"`
	Report           map[string]any  `json:"report,omitempty"`
	Comment          string          `json:"comment,omitempty"`
	SubmittedAt      *time.Time      `json:"submitted_at,omitempty"`
	FirstSubmittedAt *time.Time      `json:"first_submitted_at,omitempty"`
	ApprovedAt       *time.Time      `json:"approved_at,omitempty"`
	SignedOffAt      *time.Time      `json:"signed_off_at,omitempty"`
	Version          int64           `json:"version"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

// AssignmentEvent is one transition in an assignment's history.
type AssignmentEvent struct {
	Version int64          `json:"version"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	From    string         `json:"from_state"`
	To      string         `json:"to_state"`
	Comment string         `json:"comment,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

// AssignmentID is the id of tenant's assignment in a campaign.
func AssignmentID(campaignID, tenant string) string { return campaignID + "." + tenant }

// AssignmentProjection is one versioned write of an assignment's state, with the
// transition that produced it and who asked for it.
type AssignmentProjection struct {
	Assignment Assignment
	Event      AssignmentEvent
	RequestID  string
}

// AssignmentFilter selects assignments.
type AssignmentFilter struct {
	Campaign  string
	Within    string   // tenant code: its supervision subtree
	Tenants   []string // exactly these tenants (my own tasks)
	State     string
	Level     string
	Overdue   *bool
	DueBefore *time.Time
	After     string // cursor: id, or with ByDue "<due RFC 3339>|<id>"
	Limit     int
	// ByDue orders by due time, then id (an inbox, a review queue).
	ByDue bool
	// Latest, with ByDue, starts from the latest due time (work done, newest
	// first); the cursor is then the last row's due time and id too.
	Latest bool
}

// MaxExactTotal is the most matches a list counts row by row when its
// conditions leave the kept totals (a campaign, a due time, an enterprise):
// beyond, a store answers TotalCapped (a province-wide count would otherwise
// read every row of the province for each page). Lists without such
// conditions read totals kept as rows change, exact at any size.
const MaxExactTotal = 10000

// TotalCapped is the total a store answers when more than MaxExactTotal
// rows match and they were not all counted.
const TotalCapped = -1

// DueCursor is the keyset cursor of an assignment in due-time order.
func DueCursor(a Assignment) string { return a.DueAt.UTC().Format(time.RFC3339Nano) + "|" + a.ID }

// ValidDueCursor reports whether c is a DueCursor.
func ValidDueCursor(c string) bool {
	due, id, ok := strings.Cut(c, "|")
	if !ok || id == "" {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, due)
	return err == nil
}
