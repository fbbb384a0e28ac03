package activities

import (
	"context"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
)

// ProjectFollowUp writes a follow-up snapshot (versioned: a replay of a
// version changes nothing).
func (a *Activities) ProjectFollowUp(ctx context.Context, p duban.FollowUpProjection) error {
	return a.DB.ProjectFollowUp(ctx, duban.SystemScope, p)
}

// RaiseInput raises a summons (约谈) for a convener to schedule.
type RaiseInput struct {
	Source   string // what raised it: assignment/<id>, hazard/<id>, circular/<id>
	Tenant   string // the unit to summon
	Convener string // its supervisor, who convenes
	Lines    []duban.Line
	Reason   string
	At       time.Time
}

// RaiseSummons stores a raised summons, once per cause and unit, and tells
// the convener and the unit. It returns the summons id (the first one's on
// a retry).
func (a *Activities) RaiseSummons(ctx context.Context, in RaiseInput) (string, error) {
	s := &duban.Summons{ID: "s" + strings.NewReplacer("/", "-", ".", "-").Replace(in.Source) + "-" + in.Tenant, Tenant: in.Tenant, Convener: in.Convener,
		TenantName: a.name(in.Tenant), ConvenerName: a.name(in.Convener), Lines: in.Lines, Source: in.Source, Reason: in.Reason,
		State: duban.SummonsRaised, RaisedAt: in.At, Version: 1, UpdatedAt: in.At}
	if s.Lines == nil {
		s.Lines = []duban.Line{}
	}
	created, err := a.DB.InsertSummons(ctx, duban.SystemScope, s)
	if err != nil || !created {
		return s.ID, err
	}
	title := duban.Text{ZH: "约谈待安排：" + s.TenantName + " " + s.Tenant + "（" + in.Reason + "）",
		EN: "Summons to schedule: " + s.Tenant + " (" + in.Reason + ")"}
	_, err = a.DB.InsertNotifications(ctx, []duban.NewNotification{
		{DedupeKey: "summons/" + s.ID + "/raised/" + in.Convener, Tenant: in.Convener, Kind: "summons.raised", Title: title,
			Body: map[string]any{"summons": s.ID, "source": in.Source}, At: in.At},
		{DedupeKey: "summons/" + s.ID + "/raised/" + in.Tenant, Tenant: in.Tenant, Kind: "summons.raised", Title: title,
			Body: map[string]any{"summons": s.ID, "source": in.Source}, At: in.At},
	})
	return s.ID, err
}

// PreviousLaggards returns the laggards of the issuer's previous circular on
// the same campaign.
func (a *Activities) PreviousLaggards(ctx context.Context, campaign, issuer, circular string) ([]string, error) {
	return a.DB.PreviousLaggards(ctx, campaign, issuer, circular)
}

func (a *Activities) name(code string) string {
	if t := a.Dir.Get(code); t != nil {
		return t.Name
	}
	return ""
}

// WorkdaysLater returns the end of the day n working days after the day of
// from, by the working-day calendar with its overrides.
func (a *Activities) WorkdaysLater(ctx context.Context, from time.Time, n int) (time.Time, error) {
	cal, err := a.calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.AddWorkdays(calendar.DateOf(from), n).EndOfDay(), nil
}
