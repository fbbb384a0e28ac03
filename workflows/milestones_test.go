package workflows_test

import (
	"context"
	"testing"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
)

// A template whose ratio comes from the reports (done / total), with a
// target the planner may set, and two phases.
func init() {
	form := duban.FormSchema{Fields: []duban.FormField{
		{Name: "done", Label: duban.Text{ZH: "已完成", EN: "done"}, Type: duban.FieldInteger, Required: true, Min: duban.Float(0), Max: duban.Float(1e6)},
		{Name: "total", Label: duban.Text{ZH: "总数", EN: "total"}, Type: duban.FieldInteger, Required: true, Min: duban.Float(0), Max: duban.Float(1e6)},
	}}
	duban.RegisterTemplate(&duban.Template{ID: "test-milestones", Name: duban.Text{ZH: "节点测试", EN: "milestones test"},
		Phases: []duban.Phase{{ID: "first", Name: duban.Text{ZH: "第一阶段", EN: "first"}, DefaultDays: 10}, {ID: "last", Name: duban.Text{ZH: "第二阶段", EN: "last"}, DefaultDays: 60}},
		Levels: []duban.Level{duban.LevelCounty}, Tasks: map[duban.Level]duban.Task{duban.LevelCounty: {Title: duban.Text{ZH: "进度", EN: "progress"}, Form: form}},
		Reminders: []int{3, 1}, Escalation: duban.DefaultEscalation,
		Ratios: []duban.Ratio{{Name: "coverage", Label: duban.Text{ZH: "完成率", EN: "coverage"}, Numerator: []string{"done"}, Denominator: []string{"total"}, Target: true}}})
}

// TestMilestoneUnderTargetEscalates: a campaign of Zhengzhou's counties
// with a coverage target of 90 % and two phases. The units are reminded 3
// and 1 working days before the first phase's deadline (the last phase's
// reminders are the assignments' own); at each milestone the county at
// 50 % is escalated to it and to Zhengzhou (进度督办), the one at 100 % is not.
func TestMilestoneUnderTargetEscalates(t *testing.T) {
	t.Parallel()
	start := day("2026-03-02", 9, 0)
	f := newFlow(t, start)
	ctx := context.Background()
	phases := []duban.PhaseDeadline{{ID: "first", Due: day("2026-03-13", 23, 59)}, {ID: "last", Due: day("2026-04-30", 23, 59)}}
	c := &duban.Campaign{ID: "cmile1", Template: "test-milestones", Title: "节点测试", Scope: "4101", Levels: []duban.Level{duban.LevelCounty},
		Phases: phases, Targets: []string{"410122", "410102"}, CreatedBy: "test", CreatedAt: start, Options: duban.CampaignOptions{Targets: map[string]float64{"coverage": 0.9}}}
	require.NoError(t, f.db.InsertCampaign(ctx, duban.SystemScope, c))
	for tenant, done := range map[string]float64{"410122": 5, "410102": 10} {
		a := duban.Assignment{ID: duban.AssignmentID(c.ID, tenant), CampaignID: c.ID, Tenant: tenant, Level: duban.LevelCounty, Phase: "last", Title: "进度",
			ReviewerTenant: "4101", SignerTenant: "4101", State: duban.StateSubmitted, DueAt: phases[1].Due, Report: map[string]any{"done": done, "total": 10.0},
			Version: 1, UpdatedAt: start}
		require.NoError(t, f.db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a,
			Event: duban.AssignmentEvent{Version: 1, At: start, Actor: "test", Action: "submit", To: string(a.State)}}))
	}
	reminders := func() int {
		return f.count(`SELECT count(*) FROM notifications WHERE kind = 'milestone.reminder' AND tenant = '410122'`)
	}
	escalated := func(tenant string) int {
		return f.count(`SELECT count(*) FROM notifications WHERE kind = 'escalation.progress' AND tenant = $1 AND body->>'tenant' = '410122'`, tenant)
	}
	f.at(day("2026-03-10", 8, 59), func() { require.Zero(t, reminders()) })
	f.at(day("2026-03-10", 9, 1), func() { require.Equal(t, 1, reminders(), "3 working days before the first phase's deadline") })
	f.at(day("2026-03-12", 9, 1), func() { require.Equal(t, 2, reminders(), "and 1") })
	f.at(day("2026-03-13", 23, 0), func() { require.Zero(t, escalated("410122")) })
	f.at(day("2026-03-14", 0, 1), func() {
		require.Equal(t, 1, escalated("410122"), "the county under target is escalated at the milestone")
		require.Equal(t, 1, escalated("4101"), "and its supervisor told")
		require.Zero(t, f.count(`SELECT count(*) FROM notifications WHERE kind = 'escalation.progress' AND body->>'tenant' = '410102'`), "the one at 100 % is not")
	})
	f.env.ExecuteWorkflow(workflows.MilestonesFlow, workflows.MilestonesInput{Campaign: c.ID, Title: c.Title, Scope: c.Scope, Phases: phases,
		Names: map[string]string{"first": "第一阶段", "last": "第二阶段"}, Reminders: []int{3, 1}})
	require.True(t, f.env.IsWorkflowCompleted())
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 5, f.checks)
	require.Equal(t, 2, reminders(), "no reminders of the last phase here: they are the assignments' own")
	require.Equal(t, 2, escalated("410122"), "escalated again at the last milestone")
}
