package workflows

import (
	"slices"
	"time"

	"github.com/duban/duban/activities"
	"go.temporal.io/sdk/workflow"

	"github.com/duban/duban"
)

// CircularWorkflowName is the registered name of a circular's delivery.
const CircularWorkflowName = "CircularDelivery"

// CircularWorkflowID is the workflow id of a circular's delivery.
func CircularWorkflowID(id string) string { return "circular/" + id }

// CircularInput names what an issued circular delivers to whom.
type CircularInput struct {
	Circular string
	Campaign string
	Title    string
	Issuer   string
	Best     []string
	Laggards []string
	// Lines, IssuerName and IssuerSupervisor (from version 1 of
	// "consequences"): what the laggards' follow-ups and summonses carry.
	Lines            []duban.Line
	IssuerName       string
	IssuerSupervisor string
	Names            map[string]string
}

// FocusWorkdays is how long a laggard named in a circular has to report on
// its 重点督导 follow-up.
const FocusWorkdays = 10

// CircularFlow delivers an issued circular to every tenant it names: a
// notice in each one's inbox (通报表扬 to the best, 通报批评 to the
// laggards) and its webhooks. Notices are keyed by circular and tenant,
// so a retried delivery adds none.
func CircularFlow(ctx workflow.Context, in CircularInput) error {
	ctx = workflow.WithActivityOptions(ctx, activityOpts)
	var ns []duban.NewNotification
	add := func(tenants []string, kind string, title duban.Text) {
		for _, t := range tenants {
			ns = append(ns, duban.NewNotification{DedupeKey: "circular/" + in.Circular + "/" + t, Tenant: t, CampaignID: in.Campaign, Kind: kind,
				Title: title, Body: map[string]any{"circular": in.Circular, "issuer": in.Issuer}, At: workflow.Now(ctx)})
		}
	}
	add(in.Best, "circular.commended", duban.Text{ZH: "通报表扬：《" + in.Title + "》", EN: "Commended in a circular: " + in.Title})
	add(in.Laggards, "circular.criticised", duban.Text{ZH: "通报批评：《" + in.Title + "》，请对照整改", EN: "Named as lagging in a circular: " + in.Title})
	if len(ns) == 0 {
		return nil
	}
	var ids []int64
	if err := workflow.ExecuteActivity(ctx, acts.Notify, ns).Get(ctx, &ids); err != nil {
		return err
	}
	if len(ids) > 0 {
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, webhookOpts), acts.DeliverWebhooks, ids).Get(ctx, nil); err != nil {
			return err
		}
	}
	// Version 1: being named has consequences — each laggard gets a 重点督导
	// follow-up from the issuer, and one named in the issuer's previous
	// circular on the campaign as well gets a 约谈 raised.
	if workflow.GetVersion(ctx, "consequences", workflow.DefaultVersion, 1) == 1 && len(in.Laggards) > 0 {
		return circularConsequences(ctx, in)
	}
	return nil
}

func circularConsequences(ctx workflow.Context, in CircularInput) error {
	var due time.Time
	if err := workflow.ExecuteActivity(ctx, acts.WorkdaysLater, workflow.Now(ctx), FocusWorkdays).Get(ctx, &due); err != nil {
		return err
	}
	var before []string
	if err := workflow.ExecuteActivity(ctx, acts.PreviousLaggards, in.Campaign, in.Issuer, in.Circular).Get(ctx, &before); err != nil {
		return err
	}
	for _, t := range in.Laggards {
		f := duban.FollowUp{ID: "f" + in.Circular + "-" + t, Kind: duban.FollowUpFocus, Source: "circular/" + in.Circular, Tenant: t, TenantName: in.Names[t],
			Issuer: in.Issuer, IssuerName: in.IssuerName, Lines: in.Lines, Title: "对照通报《" + in.Title + "》整改并报告", DueAt: due}
		if err := startAbandoned(ctx, FollowUpWorkflowID(f.ID), FollowUpFlow, FollowUpInput{FollowUp: f, IssuerSupervisor: in.IssuerSupervisor}); err != nil {
			return err
		}
		if slices.Contains(before, t) {
			err := workflow.ExecuteActivity(ctx, acts.RaiseSummons, activities.RaiseInput{Source: "circular/" + in.Circular, Tenant: t, Convener: in.Issuer,
				Lines: in.Lines, Reason: "连续两次通报批评（《" + in.Title + "》）", At: workflow.Now(ctx)}).Get(ctx, nil)
			if err != nil {
				return err
			}
		}
	}
	return nil
}
