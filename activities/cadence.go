package activities

import (
	"context"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
)

// PeriodInput asks for a cadence's period campaign.
type PeriodInput struct {
	Parent     duban.Campaign
	DueWorkday int
	Month      string    // the month reported on, YYYY-MM
	Start      time.Time // the start of the month the update is due in
}

// StartPeriod records a cadence's period campaign, due at the end of the
// DueWorkday-th working day from Start; idempotent (a retry returns the
// campaign recorded first).
func (a *Activities) StartPeriod(ctx context.Context, in PeriodInput) (*duban.Campaign, error) {
	cal, err := a.calendar(ctx)
	if err != nil {
		return nil, err
	}
	day := calendar.DateOf(in.Start)
	if !cal.IsWorkday(day) {
		day = cal.AddWorkdays(day, 1)
	}
	day = cal.AddWorkdays(day, in.DueWorkday-1)
	p := in.Parent
	c := &duban.Campaign{ID: p.ID + "-m" + strings.ReplaceAll(in.Month, "-", ""), Template: p.Template, Title: p.Title + " · " + in.Month + " 三个清单更新",
		Scope: p.Scope, Levels: p.Levels, Phases: []duban.PhaseDeadline{{ID: "period", Due: day.EndOfDay()}}, Targets: p.Targets,
		CreatedBy: p.CreatedBy, CreatedAt: in.Start, ParentCampaign: p.ID, Period: in.Month}
	err = a.DB.InsertCampaign(ctx, duban.SystemScope, c)
	if duban.ErrorCode(err) == duban.EConflict {
		return a.DB.GetCampaign(ctx, duban.SystemScope, c.ID)
	}
	return c, err
}
