package workflows

import (
	"fmt"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"go.temporal.io/sdk/workflow"
)

// MilestonesWorkflowName is the registered name of a campaign's milestones.
const MilestonesWorkflowName = "CampaignMilestones"

// MilestonesWorkflowID is the workflow id of a campaign's milestones.
func MilestonesWorkflowID(campaign string) string { return "milestones/" + campaign }

// MilestonesInput names a campaign's phases: every phase but the last is a
// milestone of its assignments (the last is their own due date).
type MilestonesInput struct {
	Campaign  string
	Title     string
	Scope     string
	Phases    []duban.PhaseDeadline
	Names     map[string]string // phase id → name
	Reminders []int
}

// MilestonesFlow keeps a campaign's milestones: the units under its scope
// are reminded before every earlier phase's deadline as before the last
// (working days of the template's reminders), and at every milestone, the
// last included, each unit whose template ratio (e.g. coverage) is under
// the planner's target is escalated — 进度督办 to it and its supervisor.
func MilestonesFlow(ctx workflow.Context, in MilestonesInput) error {
	ctx = workflow.WithActivityOptions(ctx, activityOpts)
	for i, ph := range in.Phases {
		var events []activities.ScheduledEvent
		if i < len(in.Phases)-1 { // the last phase's reminders are the assignments' own
			if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.Schedule,
				activities.ScheduleInput{Due: ph.Due, Reminders: in.Reminders}).Get(ctx, &events); err != nil {
				return err
			}
		}
		events = append(events, activities.ScheduledEvent{At: ph.Due, Kind: "milestone"})
		for _, ev := range events {
			wait := ev.At.Sub(workflow.Now(ctx))
			if wait < 0 {
				if ev.Kind != "milestone" {
					continue // a reminder already past is moot
				}
				wait = 0
			}
			if err := workflow.Sleep(ctx, wait); err != nil {
				return err
			}
			name := in.Names[ph.ID]
			if ev.Kind == activities.KindReminder {
				var units []string
				if err := workflow.ExecuteActivity(ctx, acts.MilestoneUnits, in.Campaign).Get(ctx, &units); err != nil {
					return err
				}
				if len(units) == 0 {
					return nil // the campaign ended
				}
				err := notifyAndWait(ctx, fmt.Sprintf("milestones/%s/%s/reminder/%d", in.Campaign, ph.ID, ev.At.Unix()), "milestone.reminder", duban.Text{
					ZH: fmt.Sprintf("阶段节点提醒：「%s」%s阶段将于 %s 截止（还剩 %d 个工作日）", in.Title, name, localTime(ph.Due), ev.Offset),
					EN: fmt.Sprintf("Milestone reminder: phase %s of %q ends %s (%d working days left)", ph.ID, in.Title, localTime(ph.Due), ev.Offset)},
					map[string]any{"campaign": in.Campaign, "phase": ph.ID}, units)
				if err != nil {
					return err
				}
				continue
			}
			var laggards []activities.Laggard
			if err := workflow.ExecuteActivity(ctx, acts.MilestoneLaggards, activities.MilestoneInput{Campaign: in.Campaign, Phase: ph.ID, At: ph.Due}).Get(ctx, &laggards); err != nil {
				return err
			}
			for _, l := range laggards {
				err := notifyAndWait(ctx, fmt.Sprintf("milestones/%s/%s/%s/%s", in.Campaign, ph.ID, l.Ratio, l.Tenant), "escalation.progress", duban.Text{
					ZH: fmt.Sprintf("进度督办：%s %s 在「%s」%s阶段节点%s为 %.1f%%，低于目标 %.1f%%", l.Name, l.Tenant, in.Title, name, l.Label, 100*l.Value, 100*l.Target),
					EN: fmt.Sprintf("Progress escalation: %s's %s at the %s milestone of %q is %.1f%%, under the target %.1f%%", l.Tenant, l.Ratio, ph.ID, in.Title, 100*l.Value, 100*l.Target)},
					map[string]any{"campaign": in.Campaign, "phase": ph.ID, "tenant": l.Tenant, "ratio": l.Ratio, "value": l.Value, "target": l.Target},
					[]string{l.Tenant, l.Supervisor})
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}
