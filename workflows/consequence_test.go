package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

func followUpOf(t *testing.T, v any, err error) duban.FollowUp {
	t.Helper()
	require.NoError(t, err)
	f, ok := v.(duban.FollowUp)
	if !ok {
		p, _ := v.(*duban.FollowUp)
		require.NotNil(t, p, "a follow-up answer, got %T", v)
		f = *p
	}
	return f
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.ErrorAs(t, err, &app)
	require.Equal(t, code, app.Type(), err.Error())
}

// TestSummonsCommitmentOverdueEscalates: a commitment made at a summons is
// reminded 3 and 1 working days before its due date and on the day, then
// escalated: 督办提醒 to the unit and the convener at once, 督办 to the
// convener's supervisor 3 working days after; reported done, it closes the
// summons, whose only commitment it was.
func TestSummonsCommitmentOverdueEscalates(t *testing.T) {
	t.Parallel()
	start := day("2026-03-02", 9, 0) // a Monday
	f := newFlow(t, start)
	ctx := context.Background()
	sm := &duban.Summons{ID: "stest1", Tenant: "410122", Convener: "4101", Lines: []duban.Line{duban.LineConstruction}, Reason: "隐患逾期",
		State: duban.SummonsHeld, RaisedAt: start, Version: 1, UpdatedAt: start, Commitments: []string{"stest1-c1"}}
	created, err := f.db.InsertSummons(ctx, duban.SystemScope, sm)
	require.NoError(t, err)
	require.True(t, created)
	due := day("2026-03-09", 23, 59) // Monday next week
	fu := duban.FollowUp{ID: "stest1-c1", Kind: duban.FollowUpCommitment, Source: "summons/stest1", Tenant: "410122", TenantName: "中牟县",
		Issuer: "4101", IssuerName: "郑州市", Lines: []duban.Line{duban.LineConstruction}, Title: "一个月内完成塔吊隐患整改", DueAt: due}
	count := func(kind, tenant string) int {
		return f.count(`SELECT count(*) FROM notifications WHERE kind = $1 AND tenant = $2 AND body->>'follow_up' = 'stest1-c1'`, kind, tenant)
	}
	f.at(day("2026-03-09", 12, 0), func() {
		require.Equal(t, 3, count("follow_up.reminder", "410122"), "reminded 3 and 1 working days before and on the day")
		require.Zero(t, count("follow_up.escalation.reminder", "410122"))
	})
	f.at(day("2026-03-11", 12, 0), func() {
		got, err := f.db.GetFollowUp(ctx, duban.SystemScope, "stest1-c1")
		require.NoError(t, err)
		require.True(t, got.Overdue)
		require.Equal(t, 1, got.EscalationLevel, "督办提醒 at once")
		require.Equal(t, 1, count("follow_up.escalation.reminder", "4101"), "the convener hears of it")
		require.Zero(t, count("follow_up.escalation.supervise", "41"))
	})
	f.at(day("2026-03-13", 12, 0), func() {
		got, err := f.db.GetFollowUp(ctx, duban.SystemScope, "stest1-c1")
		require.NoError(t, err)
		require.Equal(t, 2, got.EscalationLevel, "督办 3 working days after the due date")
		require.Equal(t, 1, count("follow_up.escalation.supervise", "41"), "the convener's supervisor is told")
	})
	f.send(day("2026-03-13", 14, 0), workflows.UpdateExtendFollowUp, workflows.ExtendFollowUpInput{Actor: workflows.Actor{Login: "r"}, Due: day("2026-04-01", 0, 0), Reason: "x"},
		func(v any, err error) { requireCode(t, err, duban.EConflict) }) // a commitment has no extension
	f.send(day("2026-03-13", 15, 0), workflows.UpdateCompleteFollowUp, workflows.CompleteFollowUpInput{Actor: workflows.Actor{Login: "s"}},
		func(v any, err error) { requireCode(t, err, duban.EInvalid) }) // no result
	f.send(day("2026-03-13", 16, 0), workflows.UpdateCompleteFollowUp, workflows.CompleteFollowUpInput{Actor: workflows.Actor{Login: "zhongmu-staff"}, Result: "已拆除并更换"},
		func(v any, err error) {
			got := followUpOf(t, v, err)
			require.Equal(t, duban.FollowUpDone, got.State)
		})
	f.env.ExecuteWorkflow(workflows.FollowUpFlow, workflows.FollowUpInput{FollowUp: fu, IssuerSupervisor: "41"})
	require.True(t, f.env.IsWorkflowCompleted())
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 3, f.checks)
	s, err := f.db.GetSummons(ctx, duban.SystemScope, "stest1")
	require.NoError(t, err)
	require.Equal(t, duban.SummonsClosed, s.State, "its only commitment done, the summons closes")
	require.Equal(t, 1, count("follow_up.done", "4101"))
}

// TestInvestigationReportOverdueEscalates: an accident's investigation
// report is due 60 days after it; the investigating level extends it once,
// by at most 60 days (条例 art. 29) — a longer or a second extension is
// refused; overdue, it escalates to the tracker and its supervisor; filed
// with recommendations, each becomes a follow-up of the accident's tenant.
func TestInvestigationReportOverdueEscalates(t *testing.T) {
	t.Parallel()
	start := day("2026-03-02", 9, 0)
	f := newFlow(t, start)
	ctx := context.Background()
	due := day("2026-05-01", 23, 59)
	fu := duban.FollowUp{ID: "itest1", Kind: duban.FollowUpInvestigation, Source: "accident/atest1", Tenant: "4101", TenantName: "郑州市",
		Issuer: "41", IssuerName: "河南省", Lines: []duban.Line{}, Title: "事故调查报告", DueAt: due, MaxExtensions: 1, MaxExtendDays: 60, AccidentTenant: "410122"}
	actor := workflows.Actor{Login: "zhengzhou-reviewer"}
	f.send(day("2026-04-20", 10, 0), workflows.UpdateExtendFollowUp, workflows.ExtendFollowUpInput{Actor: actor, Due: due.AddDate(0, 0, 61), Reason: "补充技术鉴定"},
		func(v any, err error) { requireCode(t, err, duban.EInvalid) })
	f.send(day("2026-04-20", 11, 0), workflows.UpdateExtendFollowUp, workflows.ExtendFollowUpInput{Actor: actor, Due: due.AddDate(0, 0, 30), Reason: "补充技术鉴定"},
		func(v any, err error) {
			got := followUpOf(t, v, err)
			require.Equal(t, 1, got.Extensions)
			require.Equal(t, due, got.OriginalDue.In(due.Location()))
		})
	f.send(day("2026-04-20", 12, 0), workflows.UpdateExtendFollowUp, workflows.ExtendFollowUpInput{Actor: actor, Due: due.AddDate(0, 0, 40), Reason: "再延"},
		func(v any, err error) { requireCode(t, err, duban.EConflict) })
	f.at(day("2026-06-08", 12, 0), func() {
		got, err := f.db.GetFollowUp(ctx, duban.SystemScope, "itest1")
		require.NoError(t, err)
		require.True(t, got.Overdue, "past the extended due date (31 May)")
		require.GreaterOrEqual(t, got.EscalationLevel, 2)
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'follow_up.escalation.supervise' AND tenant = '000000' AND body->>'follow_up' = 'itest1'`),
			"the tracker's supervisor is told")
	})
	f.send(day("2026-06-09", 10, 0), workflows.UpdateCompleteFollowUp, workflows.CompleteFollowUpInput{Actor: actor, Result: "调查报告已提交",
		Recommendations: []duban.Commitment{{Title: "全面排查塔吊", DueAt: day("2026-07-01", 23, 59)}, {Title: "约谈施工企业", DueAt: day("2026-06-30", 23, 59)}}},
		func(v any, err error) {
			got := followUpOf(t, v, err)
			require.Equal(t, []string{"itest1-r1", "itest1-r2"}, got.FollowUps)
		})
	// the recommendations' own follow-ups run until done (never, here): the
	// child workflows are stood in for, and what they were started with checked
	var started []duban.FollowUp
	// the follow-up under test runs for real under another name
	f.env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.FollowUpInput) error { return workflows.FollowUpFlow(ctx, in) },
		workflow.RegisterOptions{Name: "FollowUpUnderTest"})
	f.env.OnWorkflow(workflows.FollowUpWorkflowName, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in workflows.FollowUpInput) error {
		started = append(started, in.FollowUp)
		return nil
	})
	f.env.ExecuteWorkflow("FollowUpUnderTest", workflows.FollowUpInput{FollowUp: fu, IssuerSupervisor: "000000"})
	require.True(t, f.env.IsWorkflowCompleted())
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 1, f.checks)
	require.Len(t, started, 2)
	for i, r := range started {
		require.Equal(t, []string{"itest1-r1", "itest1-r2"}[i], r.ID)
		require.Equal(t, "410122", r.Tenant, "the accident's tenant carries it out")
		require.Equal(t, "4101", r.Issuer, "the investigating level tracks it")
		require.Equal(t, duban.FollowUpRecommendation, r.Kind)
	}
	done, err := f.db.GetFollowUp(ctx, duban.SystemScope, "itest1")
	require.NoError(t, err)
	require.Equal(t, duban.FollowUpDone, done.State)
	require.Equal(t, []string{"全面排查塔吊", "约谈施工企业"}, done.Recommendations)
}

// TestHazardSummonsRung: a hazard left unrectified climbs its ladder to the
// 约谈 rung (20 working days after its deadline), which raises a summons
// for its reviewer to convene — once.
func TestHazardSummonsRung(t *testing.T) {
	t.Parallel()
	start := day("2026-03-02", 9, 0)
	f := newFlow(t, start)
	in := f.reportHazard("hsummons", "410122", duban.HazardGeneral, day("2026-03-06", 23, 59), nil)
	raised := func() int {
		return f.count(`SELECT count(*) FROM summonses WHERE source = 'hazard/hsummons' AND tenant = '410122' AND convener = '4101' AND state = 'raised'`)
	}
	f.at(day("2026-04-02", 8, 0), func() { require.Zero(t, raised(), "not before the rung") })
	f.at(day("2026-04-08", 12, 0), func() {
		require.Equal(t, 4, f.hazard("hsummons").EscalationLevel)
		require.Equal(t, 1, raised(), "the 约谈 rung raises a summons for the reviewer")
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'summons.raised' AND tenant = '4101'`))
	})
	f.send(day("2026-04-09", 9, 0), workflows.UpdateRectify, workflows.RectifyInput{Actor: workflows.Actor{Login: "unit"}, Rectification: "已整改"}, func(v any, err error) {
		require.NoError(t, err)
	})
	f.send(day("2026-04-10", 9, 0), workflows.UpdateVerify, workflows.VerifyInput{Actor: workflows.Actor{Login: "inspector"}, Passed: true, Comment: "合格"}, func(v any, err error) {
		require.NoError(t, err)
	})
	f.env.ExecuteWorkflow(workflows.HazardFlow, in)
	require.True(t, f.env.IsWorkflowCompleted())
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 2, f.checks)
	require.Equal(t, 1, raised())
}

// TestCircularNamedTwiceRaisesSummons: the issuer's second circular on a
// campaign names a laggard its first named too. Delivering it puts a
// 重点督导 follow-up in each laggard's hands (due in 10 working days) and
// raises a summons for the one named twice, for the issuer to convene; the
// one named once gets none.
func TestCircularNamedTwiceRaisesSummons(t *testing.T) {
	t.Parallel()
	start := day("2026-03-02", 9, 0)
	f := newFlow(t, start)
	ctx := context.Background()
	c := &duban.Campaign{ID: "ccirc2", Template: "generic", Title: "通报测试", Scope: "41", Levels: []duban.Level{duban.LevelCounty},
		Phases: []duban.PhaseDeadline{{ID: "main", Due: day("2026-06-30", 23, 59)}}, CreatedBy: "test", CreatedAt: start}
	require.NoError(t, f.db.InsertCampaign(ctx, duban.SystemScope, c))
	issue := func(id string, laggards ...string) {
		n := &duban.Circular{ID: id, Campaign: c.ID, CampaignTitle: c.Title, Tenant: "4101", IssuerName: "郑州市", Title: "通报" + id,
			PeriodFrom: "2026-01-01", PeriodTo: "2026-02-28", Best: []string{"410102"}, Laggards: laggards, SignedBy: "p", SignedAt: start}
		require.NoError(t, f.db.InsertCircular(ctx, duban.SystemScope, n))
	}
	issue("ntwice1", "410103")
	issue("ntwice2", "410103", "410104") // signed in the same second: the 文号 orders them
	// the follow-ups run until done (never, here): stood in for, and what
	// they were started with checked
	started := map[string]duban.FollowUp{}
	f.env.OnWorkflow(workflows.FollowUpWorkflowName, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in workflows.FollowUpInput) error {
		started[in.FollowUp.Tenant] = in.FollowUp
		return nil
	})
	f.env.ExecuteWorkflow(workflows.CircularFlow, workflows.CircularInput{Circular: "ntwice2", Campaign: c.ID, Title: "通报ntwice2", Issuer: "4101",
		Best: []string{"410102"}, Laggards: []string{"410103", "410104"}, Lines: []duban.Line{duban.LineConstruction}, IssuerName: "郑州市", IssuerSupervisor: "41",
		Names: map[string]string{"410103": "金水区", "410104": "二七区"}})
	require.True(t, f.env.IsWorkflowCompleted())
	require.NoError(t, f.env.GetWorkflowError())
	for _, county := range []string{"410103", "410104"} {
		fu, ok := started[county]
		require.True(t, ok, "a 重点督导 follow-up for %s", county)
		require.Equal(t, "fntwice2-"+county, fu.ID)
		require.Equal(t, duban.FollowUpFocus, fu.Kind)
		require.Equal(t, "4101", fu.Issuer)
		require.Equal(t, day("2026-03-16", 23, 59).Add(59*time.Second), fu.DueAt.In(day("2026-03-16", 0, 0).Location()), "10 working days")
	}
	require.Equal(t, 1, f.count(`SELECT count(*) FROM summonses WHERE source = 'circular/ntwice2' AND tenant = '410103' AND convener = '4101' AND state = 'raised'`),
		"named twice: a summons raised")
	require.Zero(t, f.count(`SELECT count(*) FROM summonses WHERE tenant = '410104'`), "named once: none")
}
