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
	// Lines are the department lines the campaign belongs to (a joint
	// campaign names several); its assignments, lists and circulars inherit them.
	Lines []Line `json:"lines"`
	// ParentCampaign and Period mark a period campaign of a cadence.
	ParentCampaign string     `json:"parent_campaign,omitempty"`
	Period         string     `json:"period,omitempty"`
	Status         string     `json:"status"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	EndedAt        *time.Time `json:"ended_at,omitempty"`
	EndReason      string     `json:"end_reason,omitempty"`
}

// DefaultLines gives a campaign without lines its template's line
// (construction for the generic template); a period campaign keeps none
// here and takes its parent's when recorded.
func (c *Campaign) DefaultLines() {
	if len(c.Lines) > 0 || c.ParentCampaign != "" {
		return
	}
	c.Lines = []Line{LineConstruction}
	if t := TemplateByID(c.Template); t != nil && t.Line != "" {
		c.Lines = []Line{t.Line}
	}
}

// CampaignOptions are per-campaign choices a template allows.
type CampaignOptions struct {
	FocusAreas []string           `json:"focus_areas,omitempty"`
	Targets    map[string]float64 `json:"targets,omitempty" doc:"Ratio name → target (0..1), e.g. coverage"`
}

// Campaign statuses.
const (
	CampaignRunning   = "running"
	CampaignCompleted = "completed"
	CampaignCancelled = "cancelled"
)

// PhaseDeadline is a phase with its resolved deadline.
type PhaseDeadline struct {
	ID  string    `json:"id"`
	Due time.Time `json:"due_at"`
}

// CampaignFilter selects campaigns.
type CampaignFilter struct {
	Status   string
	Template string
	Line     string // only campaigns in this line
	Before   string // cursor: "created_at|id" of the last item
	Limit    int
}

// Progress is a roll-up of assignments in one tenant's subtree.
type Progress struct {
	Tenant          string  `json:"tenant"`
	Name            string  `json:"name"`
	Total           int     `json:"total"`
	Assigned        int     `json:"assigned"`
	InProgress      int     `json:"in_progress"`
	Submitted       int     `json:"submitted"`
	Returned        int     `json:"returned"`
	Approved        int     `json:"approved"`
	SignedOff       int     `json:"signed_off"`
	Cancelled       int     `json:"cancelled"`
	Overdue         int     `json:"overdue"`
	OnTime          int     `json:"on_time" doc:"First submitted by the due date"`
	Due             int     `json:"due" doc:"Assignments due by now, or submitted: what on_time_rate is of (0: nothing due yet)"`
	OnTimeRate      float64 `json:"on_time_rate" doc:"on_time / assignments due by now or submitted; 1 when none is due yet"`
	EscalationLevel int     `json:"escalation_level" doc:"Highest current escalation level in the subtree"`
	Listed          int     `json:"listed" doc:"Assignments under listed supervision (挂牌督办, level ≥ 3)"`
	Reported        int     `json:"reported" doc:"Reports of the lowest target level counted in the totals (submitted, approved or signed off)"`
	// Totals sums every numeric report field of the subtree's lowest-level
	// reports: the figures roll up the tree without counting a city's
	// summary on top of its counties'.
	Totals map[string]float64 `json:"totals"`
	Ratios map[string]float64 `json:"ratios,omitempty" doc:"Derived figures of the totals (e.g. coverage = verified / in scope)"`
}
