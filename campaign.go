package duban

import (
	"fmt"
	"time"
)

// Template declares a kind of campaign (专项整治): phases with default
// deadlines, the task per target level with its report form, reminders, the
// escalation ladder and the sign-off chain. Templates are defined in code.
type Template struct {
	ID          string           `json:"id"`
	Name        Text             `json:"name"`
	Description Text             `json:"description"`
	Phases      []Phase          `json:"phases"`
	Levels      []Level          `json:"levels"`    // default target levels
	Tasks       map[Level]Task   `json:"tasks"`     // per target level
	Reminders   []int            `json:"reminders"` // working days before the due date; 0 = on the due date
	Escalation  []EscalationStep `json:"escalation"`
	// Ratios are derived figures of the rolled-up totals (coverage).
	Ratios []Ratio `json:"ratios,omitempty"`
	// FocusAreas may be selected per campaign (重点领域).
	FocusAreas []Choice `json:"focus_areas,omitempty"`
	// Lists: every target tenant keeps the three lists (三个清单).
	Lists bool `json:"lists,omitempty"`
	// Cadence: a periodic update assignment for every target, each period.
	Cadence *Cadence `json:"cadence,omitempty"`
}

// Cadence makes a periodic update (e.g. of the three lists): at the start
// of every month after launch, a period campaign assigns Tasks for the
// month just ended, due at the end of the DueWorkday-th working day.
type Cadence struct {
	Name       Text           `json:"name"`
	DueWorkday int            `json:"due_workday"`
	Tasks      map[Level]Task `json:"tasks"`
}

// PeriodTemplate is the template of a period campaign: the cadence's tasks
// with one phase and short reminders.
func (t *Template) PeriodTemplate() Template {
	p := *t
	p.Phases = []Phase{{ID: "period", Name: t.Cadence.Name}}
	p.Tasks = t.Cadence.Tasks
	p.Reminders = []int{1, 0}
	p.Cadence, p.Ratios = nil, nil
	return p
}

// Ratio is a derived figure: the sum of Numerator fields over the sum of
// Denominator fields of the rolled-up report totals.
type Ratio struct {
	Name        string   `json:"name"`
	Label       Text     `json:"label"`
	Numerator   []string `json:"numerator"`
	Denominator []string `json:"denominator"`
	// Target: the planner may set a target for it at launch (e.g. coverage ≥ 0.9).
	Target bool `json:"target,omitempty"`
}

// Choice is a selectable option with a bilingual label.
type Choice struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
}

// CampaignOptions are per-campaign choices a template allows.
type CampaignOptions struct {
	FocusAreas []string           `json:"focus_areas,omitempty"`
	Targets    map[string]float64 `json:"targets,omitempty" doc:"Ratio name → target (0..1), e.g. coverage"`
}

// Phase is a stage of a campaign with a default deadline.
type Phase struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// DefaultDays is the deadline in calendar days from launch, used when
	// DefaultDate is empty.
	DefaultDays int `json:"default_days,omitempty"`
	// DefaultDate is an absolute deadline (MM-DD in the launch year, or the
	// next year when already past), e.g. "06-30" for the house survey.
	DefaultDate string `json:"default_date,omitempty"`
}

// Task is what a target tenant of one level must do and report.
type Task struct {
	Title        Text       `json:"title"`
	Instructions Text       `json:"instructions"`
	Form         FormSchema `json:"form"`
}

// Escalation kinds, the rungs of the ladder on overdue work.
const (
	EscalateReminder  = "reminder"  // 督办提醒: to the assignee and its supervisor
	EscalateSupervise = "supervise" // 督办: to the supervisor's reviewers and the planner
	EscalateListed    = "listed"    // 挂牌督办: on the campaign's public list of laggards
	EscalateSummons   = "summons"   // 约谈: responsible officials summoned, recorded
)

// EscalationStep is one rung: AfterWorkdays working days after the due date.
type EscalationStep struct {
	Level         int    `json:"level"`
	AfterWorkdays int    `json:"after_workdays"`
	Kind          string `json:"kind"`
	Name          Text   `json:"name"`
}

// DefaultEscalation is the ladder the seed describes.
var DefaultEscalation = []EscalationStep{
	{1, 0, EscalateReminder, Text{"督办提醒", "overdue reminder"}},
	{2, 3, EscalateSupervise, Text{"督办", "supervised handling"}},
	{3, 10, EscalateListed, Text{"挂牌督办", "listed supervision"}},
	{4, 20, EscalateSummons, Text{"约谈", "summons"}},
}

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

// ResolveDeadlines returns each phase's deadline: the override when given
// (the end of that Shanghai day), else the template default from launch.
// endOfDay turns a YYYY-MM-DD into an instant.
func (t *Template) ResolveDeadlines(launch time.Time, overrides map[string]time.Time, endOfDay func(y int, m time.Month, d int) time.Time) ([]PhaseDeadline, error) {
	for id := range overrides {
		if t.Phase(id) == nil {
			return nil, Errorf(EInvalid, "template %s has no phase %q", t.ID, id)
		}
	}
	out := make([]PhaseDeadline, 0, len(t.Phases))
	for _, p := range t.Phases {
		due, ok := overrides[p.ID]
		if !ok {
			if p.DefaultDate != "" {
				var m, d int
				if _, err := fmt.Sscanf(p.DefaultDate, "%d-%d", &m, &d); err != nil {
					return nil, fmt.Errorf("template %s phase %s: bad default date", t.ID, p.ID)
				}
				due = endOfDay(launch.Year(), time.Month(m), d)
				if !due.After(launch) {
					due = endOfDay(launch.Year()+1, time.Month(m), d)
				}
			} else {
				ld := launch.Add(time.Duration(p.DefaultDays) * 24 * time.Hour)
				due = endOfDay(ld.Year(), ld.Month(), ld.Day())
			}
		}
		out = append(out, PhaseDeadline{ID: p.ID, Due: due.UTC()})
	}
	return out, nil
}

// Phase returns the phase with id, or nil.
func (t *Template) Phase(id string) *Phase {
	for i := range t.Phases {
		if t.Phases[i].ID == id {
			return &t.Phases[i]
		}
	}
	return nil
}

// CampaignFilter selects campaigns.
type CampaignFilter struct {
	Status   string
	Template string
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
