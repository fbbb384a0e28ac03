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
		TenantName: a.Dir.Name(in.Tenant), ConvenerName: a.Dir.Name(in.Convener), Lines: in.Lines, Source: in.Source, Reason: in.Reason,
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

// WorkdaysLater returns the end of the day n working days after the day of
// from, by the working-day calendar with its overrides.
func (a *Activities) WorkdaysLater(ctx context.Context, from time.Time, n int) (time.Time, error) {
	cal, err := a.calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.AddWorkdays(calendar.DateOf(from), n).EndOfDay(), nil
}

// MilestoneInput asks how a campaign stands at one of its milestones.
type MilestoneInput struct {
	Campaign string
	Phase    string
	At       time.Time
}

// Laggard is a unit under its ratio target at a milestone.
type Laggard struct {
	Tenant     string
	Name       string
	Supervisor string
	Ratio      string
	Label      string
	Value      float64
	Target     float64
}

// MilestoneLaggards returns the units directly under the campaign's scope
// whose template ratio (coverage from the report totals, or from the
// registry) is under the planner's target, sorted by code.
func (a *Activities) MilestoneLaggards(ctx context.Context, in MilestoneInput) ([]Laggard, error) {
	c, err := a.DB.GetCampaign(ctx, duban.SystemScope, in.Campaign)
	if err != nil {
		return nil, err
	}
	tpl := duban.TemplateByID(c.Template)
	if tpl == nil || len(c.Options.Targets) == 0 || c.Status != duban.CampaignRunning {
		return nil, nil
	}
	scope := a.Dir.Get(c.Scope)
	var nodes []duban.Tenant
	for _, code := range a.Dir.Supervised(c.Scope) {
		nodes = append(nodes, *a.Dir.Get(code))
	}
	rows, err := a.DB.CampaignProgress(ctx, duban.SystemScope, c.ID, c.Levels[len(c.Levels)-1], nodes, in.At)
	if err != nil {
		return nil, err
	}
	if tpl.RegistryCoverage {
		cov, err := a.DB.RegistryCoverage(ctx, duban.SystemScope, *scope, nodes, duban.CoreDualPreventionScope)
		if err != nil {
			return nil, err
		}
		duban.FillCoverage(rows, cov)
	}
	var out []Laggard
	for _, row := range rows {
		if row.Total == 0 {
			continue // no work of this campaign in that subtree
		}
		values := tpl.RatioValues(row.Totals)
		for _, r := range tpl.Ratios {
			target, ok := c.Options.Targets[r.Name]
			if !ok {
				continue
			}
			if v, ok := values[r.Name]; ok && v < target { // no denominator (nothing in scope): no ratio to fall short
				out = append(out, Laggard{Tenant: row.Tenant, Name: row.Name, Supervisor: a.Dir.Get(row.Tenant).Supervisor, Ratio: r.Name, Label: r.Label.ZH, Value: v, Target: target})
			}
		}
	}
	return out, nil
}

// MilestoneUnits are the tenants directly under the campaign's scope with
// work in it (those its milestone reminders go to), sorted by code.
func (a *Activities) MilestoneUnits(ctx context.Context, campaign string) ([]string, error) {
	c, err := a.DB.GetCampaign(ctx, duban.SystemScope, campaign)
	if err != nil {
		return nil, err
	}
	if c.Status != duban.CampaignRunning {
		return nil, nil
	}
	return a.Dir.Supervised(c.Scope), nil
}
