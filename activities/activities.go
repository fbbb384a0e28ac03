// Package activities holds Duban's side effects, run by the Temporal worker:
// planning the campaign tree, working-day schedules, versioned projection
// writes to the read model, notifications, webhooks and summons records.
// Every activity is idempotent: a retry after a crash changes nothing twice.
package activities

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
	"go.temporal.io/sdk/temporal"
)

// Activities holds the dependencies; register one instance with the worker.
type Activities struct {
	DB       duban.Store
	Dir      *duban.Directory
	HTTP     *http.Client
	Calendar *calendar.Cache // overrides read once per change
}

// calendar returns the working-day calendar with the overrides applied.
func (a *Activities) calendar(ctx context.Context) (*calendar.Calendar, error) {
	if a.Calendar == nil {
		return calendar.Load(ctx, a.DB)
	}
	return a.Calendar.Get(ctx)
}

// PlanInput asks for the children of one node of a campaign tree.
type PlanInput struct {
	Scope   string
	Tenant  string
	Levels  []duban.Level
	Targets []string // subtree roots; empty: the whole scope
}

// ChildPlan is one child node: a tenant the node supervises that is a
// target or leads to targets.
type ChildPlan struct {
	Tenant        string
	Name          string
	Level         duban.Level
	HasAssignment bool
	Reviewer      string // reviews its report: its supervisor
	Signer        string // signs it off: the reviewer's supervisor, capped at the scope
}

// PlanChildren returns the child nodes of in.Tenant, sorted by code.
func (a *Activities) PlanChildren(ctx context.Context, in PlanInput) ([]ChildPlan, error) {
	return Plan(a.Dir, in)
}

// Plan is PlanChildren without the activity context.
func Plan(dir *duban.Directory, in PlanInput) ([]ChildPlan, error) {
	if dir.Get(in.Tenant) == nil || dir.Get(in.Scope) == nil {
		return nil, temporal.NewNonRetryableApplicationError("unknown tenant", duban.EInvalid, nil)
	}
	levels := map[duban.Level]bool{}
	for _, l := range in.Levels {
		levels[l] = true
	}
	isTarget := func(code string) bool {
		t := dir.Get(code)
		if !levels[t.Level] {
			return false
		}
		if len(in.Targets) == 0 {
			return true
		}
		for _, root := range in.Targets {
			if dir.Within(code, root) {
				return true
			}
		}
		return false
	}
	var leads func(code string) bool
	leads = func(code string) bool {
		if isTarget(code) {
			return true
		}
		for _, c := range dir.Supervised(code) {
			if leads(c) {
				return true
			}
		}
		return false
	}
	signer := in.Tenant
	if in.Tenant != in.Scope {
		signer = dir.Get(in.Tenant).Supervisor
	}
	var out []ChildPlan
	for _, c := range dir.Supervised(in.Tenant) {
		if !leads(c) {
			continue
		}
		t := dir.Get(c)
		out = append(out, ChildPlan{Tenant: c, Name: t.Name, Level: t.Level, HasAssignment: isTarget(c), Reviewer: in.Tenant, Signer: signer})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tenant < out[j].Tenant })
	return out, nil
}

// ScheduleInput asks for the reminder and escalation instants of a due date.
type ScheduleInput struct {
	Due        time.Time
	Reminders  []int // working days before the due date; 0 = the due date
	Escalation []duban.EscalationStep
}

// Scheduled event kinds.
const (
	KindReminder   = "reminder"
	KindEscalation = "escalation"
)

// ScheduledEvent is one timer of an assignment.
type ScheduledEvent struct {
	At     time.Time
	Kind   string // KindReminder or KindEscalation
	Offset int    // working days before (reminder) or after (escalation) the due date
	Step   duban.EscalationStep
}

// ReminderHour is when reminders and later escalation steps go out (09:00 Shanghai).
const ReminderHour = 9

// Schedule computes the reminders and escalation steps on the working-day
// calendar (with administrator overrides), sorted by time.
func (a *Activities) Schedule(ctx context.Context, in ScheduleInput) ([]ScheduledEvent, error) {
	cal, err := a.calendar(ctx)
	if err != nil {
		return nil, err
	}
	return BuildSchedule(cal, in), nil
}

// BuildSchedule is Schedule on a given calendar.
func BuildSchedule(cal *calendar.Calendar, in ScheduleInput) []ScheduledEvent {
	dueDay := calendar.DateOf(in.Due)
	var out []ScheduledEvent
	for _, n := range in.Reminders {
		day := dueDay
		if n > 0 {
			day = cal.AddWorkdays(dueDay, -n)
		}
		at := day.At(ReminderHour, 0)
		if at.After(in.Due) {
			at = in.Due.Add(-time.Hour)
		}
		out = append(out, ScheduledEvent{At: at, Kind: KindReminder, Offset: n})
	}
	for _, s := range in.Escalation {
		at := in.Due
		if s.AfterWorkdays > 0 {
			at = cal.AddWorkdays(dueDay, s.AfterWorkdays).At(ReminderHour, 0)
		}
		out = append(out, ScheduledEvent{At: at, Kind: KindEscalation, Offset: s.AfterWorkdays, Step: s})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
