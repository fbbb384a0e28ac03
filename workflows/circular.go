package workflows

import (
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
}

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
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, webhookOpts), acts.DeliverWebhooks, ids).Get(ctx, nil)
	}
	return nil
}
