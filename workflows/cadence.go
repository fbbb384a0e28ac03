package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"github.com/duban/duban/calendar"
	"go.temporal.io/sdk/workflow"
)

// CadenceWorkflowName is the registered name of the cadence workflow.
const CadenceWorkflowName = "Cadence"

// CadenceWorkflowID is the workflow id of a campaign's cadence.
func CadenceWorkflowID(campaignID string) string { return "campaign/" + campaignID + "/cadence" }

// CadenceInput starts a campaign's cadence: Template is the campaign's
// template snapshot (with its Cadence); periods start until Until.
type CadenceInput struct {
	Campaign   duban.Campaign
	ScopeName  string
	ScopeLevel duban.Level
	Template   duban.Template
	Until      time.Time
}

// CadenceRunPeriods is how many periods one run of a cadence starts before
// it continues as new: a three-year campaign's cadence keeps at most a
// year of history (its period campaigns are abandoned children, so they
// run on untouched).
const CadenceRunPeriods = 12

// CadenceFlow starts, at the beginning of every month after launch, a
// period campaign for the month just ended (e.g. the monthly update of the
// three lists), due on the cadence's working day; each period campaign is a
// campaign tree of its own (abandoned by this workflow, so it outlives it).
// It ends after the last period before Until, or when cancelled with its
// campaign. From version 1 of "cadence-continue-as-new" it continues as new
// after CadenceRunPeriods periods (or sooner when the server suggests it);
// the input carries all it needs, the next period being the next month.
func CadenceFlow(ctx workflow.Context, in CadenceInput) error {
	period := in.Template.PeriodTemplate()
	started := 0
	for {
		now := workflow.Now(ctx).In(calendar.Shanghai)
		next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, calendar.Shanghai)
		if next.After(in.Until) {
			return nil
		}
		if err := workflow.Sleep(ctx, next.Sub(now)); err != nil {
			return err
		}
		month := next.AddDate(0, -1, 0).Format("2006-01")
		var c duban.Campaign
		err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.StartPeriod,
			activities.PeriodInput{Parent: in.Campaign, DueWorkday: in.Template.Cadence.DueWorkday, Month: month, Start: next}).Get(ctx, &c)
		if err != nil {
			return fmt.Errorf("start period %s: %w", month, err)
		}
		root := NodeInput{CampaignID: c.ID, Root: true, Scope: c.Scope, Tenant: c.Scope, Name: in.ScopeName, Level: in.ScopeLevel,
			Title: c.Title, Phase: c.Phases[0].ID, Due: c.Phases[0].Due, Levels: c.Levels, Targets: c.Targets, Template: period}
		if err := startAbandoned(ctx, RootID(c.ID), CampaignNode, root); err != nil {
			return fmt.Errorf("start period campaign %s: %w", c.ID, err)
		}
		started++
		if started >= CadenceRunPeriods || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if workflow.GetVersion(ctx, "cadence-continue-as-new", workflow.DefaultVersion, 1) == 1 {
				return workflow.NewContinueAsNewError(ctx, CadenceWorkflowName, in)
			}
		}
	}
}

func isAlreadyStarted(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "already started") || strings.Contains(err.Error(), "already exists"))
}
