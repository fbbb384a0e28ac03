package duban

import "time"

// Campaign is a launched campaign as the read model holds it.
type Campaign struct {
	ID        string          `json:"id"`
	Template  string          `json:"template"`
	Title     string          `json:"title"`
	Scope     string          `json:"scope"`
	ScopePath string          `json:"-"`
	Levels    []Level         `json:"levels"`
	Phases    []PhaseDeadline `json:"phases"`
	Targets   []string        `json:"targets,omitempty"`
	Options   CampaignOptions `json:"options"`
	// ParentCampaign and Period mark a period campaign of a cadence.
	ParentCampaign string     `json:"parent_campaign,omitempty"`
	Period         string     `json:"period,omitempty"`
	Status         string     `json:"status"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	EndedAt        *time.Time `json:"ended_at,omitempty"`
	EndReason      string     `json:"end_reason,omitempty"`
}

// Assignment is one tenant's task in a campaign (read model).
type Assignment struct {
	ID               string          `json:"id"`
	CampaignID       string          `json:"campaign"`
	Tenant           string          `json:"tenant"`
	TenantPath       string          `json:"-"`
	Level            Level           `json:"level"`
	Phase            string          `json:"phase"`
	Title            string          `json:"title"`
	ReviewerTenant   string          `json:"reviewer_tenant"`
	SignerTenant     string          `json:"signer_tenant"`
	ParentID         string          `json:"parent,omitempty"`
	State            AssignmentState `json:"state"`
	DueAt            time.Time       `json:"due_at"`
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

// Notification is an in-app message to a tenant's inbox.
type Notification struct {
	ID           int64          `json:"id"`
	Tenant       string         `json:"tenant"`
	CampaignID   string         `json:"campaign,omitempty"`
	AssignmentID string         `json:"assignment,omitempty"`
	Kind         string         `json:"kind"`
	Title        Text           `json:"title"`
	Body         map[string]any `json:"body,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	Read         bool           `json:"read"`
}

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
	After     string // cursor: id
	Limit     int
}
