package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/postgres"
	"github.com/duban/duban/workflows"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
)

// flow is a time-skipping environment for one hazard or accident workflow
// whose activities write to a real PostgreSQL.
type flow struct {
	t       *testing.T
	db      *postgres.DB
	admin   *pgx.Conn
	env     *testsuite.TestWorkflowEnvironment
	dir     *duban.Directory
	start   time.Time
	updates int
	checks  int
}

func newFlow(t *testing.T, start time.Time) *flow {
	db, dir, admin := openStore(t)
	env := newEnv(db, dir, start)
	return &flow{t: t, db: db, admin: admin, env: env, dir: dir, start: start}
}

// at runs fn at the given simulated instant.
func (f *flow) at(when time.Time, fn func()) {
	f.env.RegisterDelayedCallback(func() { fn(); f.checks++ }, when.Sub(f.start))
}

// send sends an update at the given instant and checks its answer; an
// update that never answers fails the test.
func (f *flow) send(when time.Time, name string, arg any, check func(v any, err error)) {
	answered := false
	f.t.Cleanup(func() {
		if !answered {
			f.t.Errorf("update %s at %s never answered", name, when)
		}
	})
	f.env.RegisterDelayedCallback(func() {
		finish := func(v any, err error) { answered = true; check(v, err) }
		f.updates++
		f.env.UpdateWorkflow(name, fmt.Sprintf("u%d", f.updates), &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { finish(nil, err) }, OnComplete: finish,
		}, arg)
	}, when.Sub(f.start))
}

func (f *flow) count(q string, args ...any) int {
	var n int
	require.NoError(f.t, f.admin.QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

func (f *flow) accident(id string) *duban.Accident {
	a, err := f.db.GetAccident(context.Background(), duban.SystemScope, id)
	require.NoError(f.t, err)
	return a
}

func (f *flow) hazard(id string) *duban.Hazard {
	h, _, err := f.db.GetHazard(context.Background(), duban.SystemScope, id)
	require.NoError(f.t, err)
	return h
}

// reportAccident records an accident's first version as the API does.
func (f *flow) reportAccident(id, tenant, category string, occurred, reported time.Time, fig duban.AccidentFigures) workflows.AccidentInput {
	a := duban.NewAccident(f.dir, id, tenant, category, "某工地", "坍塌", "staff", occurred, reported, fig)
	require.NoError(f.t, f.db.ProjectAccident(context.Background(), duban.SystemScope, duban.AccidentProjection{Accident: *a, Action: "report", Actor: "staff"}))
	return workflows.AccidentInput{Accident: *a}
}

func forward(from string) workflows.ForwardInput {
	return workflows.ForwardInput{Actor: workflows.Actor{Login: "duty-" + from}, From: from}
}

func accidentOf(t *testing.T, v any, err error) *duban.Accident {
	require.NoError(t, err)
	a, ok := v.(duban.Accident)
	require.True(t, ok, "answer %T", v)
	return &a
}

// TestAccidentGradesReachTheirLevel: each grade's report travels exactly to
// the level it requires, forward by forward; one more forward is refused.
// A directly supervised county forwards straight to the province.
func TestAccidentGradesReachTheirLevel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tenant string
		fig    duban.AccidentFigures
		grade  duban.AccidentGrade
		route  []string // the tenants it is forwarded to
	}{
		{"general", "410122", duban.AccidentFigures{Deaths: 2}, duban.GradeGeneral, []string{"4101"}},
		{"larger", "410122", duban.AccidentFigures{Deaths: 3}, duban.GradeLarger, []string{"4101", "41"}},
		{"major", "410122", duban.AccidentFigures{Deaths: 10}, duban.GradeMajor, []string{"4101", "41", "000000"}},
		{"especially major", "410122", duban.AccidentFigures{SeriousInjuries: 100}, duban.GradeEspeciallyMajor, []string{"4101", "41", "000000"}},
		{"general, directly supervised county", "410225", duban.AccidentFigures{DirectLossCNY: 9_999_999}, duban.GradeGeneral, []string{"41"}},
		{"larger, directly supervised county", "410225", duban.AccidentFigures{DirectLossCNY: 10_000_000}, duban.GradeLarger, []string{"41"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := day("2026-11-02", 10, 0)
			f := newFlow(t, start)
			id := fmt.Sprintf("agrade%d", i)
			in := f.reportAccident(id, c.tenant, duban.AccidentProduction, start.Add(-20*time.Minute), start, c.fig)
			require.Equal(t, c.grade, in.Accident.Grade)
			holder := c.tenant
			for j, to := range c.route {
				from := holder
				f.send(start.Add(time.Duration(j+1)*30*time.Minute), workflows.UpdateForward, forward(from), func(v any, err error) {
					a := accidentOf(t, v, err)
					require.Equal(t, to, a.Holder)
					require.False(t, a.Late, "every forward within 2 hours")
					require.Equal(t, j == len(c.route)-1, a.Complete)
				})
				holder = to
			}
			last := holder
			f.send(start.Add(time.Duration(len(c.route)+1)*30*time.Minute), workflows.UpdateForward, forward(last), func(v any, err error) {
				require.Error(t, err, "the chain is complete: nothing more to forward")
			})
			f.at(start.Add(6*time.Hour), func() {
				a := f.accident(id)
				require.Equal(t, last, a.Holder)
				require.True(t, a.Complete)
				require.Len(t, a.Steps, len(c.route)+1)
				require.Zero(t, f.count(`SELECT count(*) FROM notifications WHERE kind = 'accident.late'`))
			})
			f.env.ExecuteWorkflow(workflows.AccidentFlow, in)
			require.True(t, f.env.IsWorkflowCompleted(), "the workflow ends after the amendment window")
			require.NoError(t, f.env.GetWorkflowError())
			require.Equal(t, 1, f.checks)
		})
	}
}

// TestAccidentLateForward: a forward at 2h00m is in time; the next one at
// 2h01m after it is flagged 迟报 — the clock ran out and escalated to the
// receiving tenant and its supervisor before the forward came.
func TestAccidentLateForward(t *testing.T) {
	t.Parallel()
	start := day("2026-11-02", 10, 0)
	f := newFlow(t, start)
	in := f.reportAccident("alate", "410122", duban.AccidentProduction, start.Add(-30*time.Minute), start, duban.AccidentFigures{Deaths: 4})
	require.False(t, in.Accident.Late, "reported 30 minutes after the accident")
	t1 := start.Add(2 * time.Hour)
	f.send(t1, workflows.UpdateForward, forward("410122"), func(v any, err error) {
		a := accidentOf(t, v, err)
		require.False(t, a.Steps[1].Late, "exactly 2 hours is in time")
		require.True(t, a.Steps[2].DueAt.Equal(t1.Add(2*time.Hour)), "the city's clock starts when it receives the report")
	})
	f.at(t1.Add(2*time.Hour-time.Second), func() {
		require.False(t, f.accident("alate").Late)
	})
	f.at(t1.Add(2*time.Hour+30*time.Second), func() {
		a := f.accident("alate")
		require.True(t, a.Late)
		require.True(t, a.Steps[2].Late && a.Steps[2].Escalated && a.Steps[2].At == nil)
		require.Equal(t, 2, f.count(`SELECT count(*) FROM notifications WHERE kind = 'accident.late' AND tenant IN ('41', '000000')`))
	})
	f.send(t1.Add(2*time.Hour+time.Minute), workflows.UpdateForward, forward("4101"), func(v any, err error) {
		a := accidentOf(t, v, err)
		require.True(t, a.Steps[2].Late, "2h01m is late")
		require.NotNil(t, a.Steps[2].At)
		require.True(t, a.Complete)
		require.Equal(t, "41", a.Holder)
	})
	f.env.ExecuteWorkflow(workflows.AccidentFlow, in)
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 2, f.checks)
	require.Equal(t, 2, f.count(`SELECT count(*) FROM notifications WHERE kind = 'accident.late'`), "escalated once, not again on the late forward")
}

// TestAccidentLateInitialReportAndAmendments: a report 61 minutes after the
// accident is late; an amendment that raises the grade extends the chain
// with a fresh clock; road-traffic figures close after 7 days.
func TestAccidentLateInitialReportAndAmendments(t *testing.T) {
	t.Parallel()
	start := day("2026-11-02", 10, 0)
	f := newFlow(t, start)
	in := f.reportAccident("aamend", "410122", duban.AccidentRoadTraffic, start.Add(-61*time.Minute), start, duban.AccidentFigures{Deaths: 1})
	require.True(t, in.Accident.Late && in.Accident.Steps[0].Late)
	f.send(start.Add(time.Hour), workflows.UpdateForward, forward("410122"), func(v any, err error) {
		require.True(t, accidentOf(t, v, err).Complete, "a general accident stops at the city")
	})
	amendAt := start.Add(48 * time.Hour)
	f.send(amendAt, workflows.UpdateAmend, workflows.AmendInput{Actor: workflows.Actor{Login: "staff"}, Figures: duban.AccidentFigures{Deaths: 3}, Note: "一名重伤者抢救无效"},
		func(v any, err error) {
			a := accidentOf(t, v, err)
			require.Equal(t, duban.GradeLarger, a.Grade)
			require.Equal(t, duban.LevelProvince, a.RequiredLevel)
			require.False(t, a.Complete)
			p := a.Pending()
			require.NotNil(t, p)
			require.Equal(t, "4101", p.From)
			require.True(t, p.DueAt.Equal(amendAt.Add(2*time.Hour)), "a fresh clock from the amendment")
			require.Len(t, a.Amendments, 1)
		})
	f.send(amendAt.Add(time.Hour), workflows.UpdateForward, forward("4101"), func(v any, err error) {
		a := accidentOf(t, v, err)
		require.True(t, a.Complete)
		require.False(t, a.Steps[2].Late)
	})
	f.env.ExecuteWorkflow(workflows.AccidentFlow, in)
	require.True(t, f.env.IsWorkflowCompleted())
	require.False(t, f.env.Now().Before(in.Accident.OccurredAt.Add(7*24*time.Hour)), "road-traffic figures may change for 7 days: the workflow waits that long")
	require.True(t, f.env.Now().Before(in.Accident.OccurredAt.Add(8*24*time.Hour)), "and no longer")
	require.NoError(t, f.env.GetWorkflowError())
	a := f.accident("aamend")
	require.Equal(t, 3, a.Deaths)
	require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'accident.late' AND tenant = '410122'`), "the late first report alerted the county and its city")
	require.Equal(t, 4, f.count(`SELECT count(*) FROM accident_events WHERE accident_id = 'aamend'`))
}

// reportHazard records a hazard's first version as the API does.
func (f *flow) reportHazard(id, tenant string, grade duban.HazardGrade, deadline time.Time, plan *duban.RectificationPlan) workflows.HazardInput {
	h := duban.Hazard{ID: id, Tenant: tenant, Place: "某建筑工地", Description: "深基坑支护变形", Grade: grade, FoundBy: duban.InspectCovert,
		ResponsibleUnit: "某建设集团", Deadline: deadline, Plan: plan, State: duban.HazardOpen, ReportedBy: "reporter", ReportedAt: f.start,
		Version: 1, UpdatedAt: f.start}
	if grade == duban.HazardMajor {
		h.Listed, h.ListedBy = true, "41"
	}
	require.NoError(f.t, f.db.ProjectHazard(context.Background(), duban.SystemScope, duban.HazardProjection{Hazard: h,
		Event: duban.HazardEvent{Version: 1, At: f.start, Actor: "reporter", Action: "report", To: "open"}}))
	return workflows.HazardInput{Hazard: h, Reviewer: f.dir.Get(tenant).Supervisor, Reminders: []int{1}, Escalation: duban.DefaultEscalation}
}

func hazardOf(t *testing.T, v any, err error) *duban.Hazard {
	require.NoError(t, err)
	h, ok := v.(duban.Hazard)
	require.True(t, ok, "answer %T", v)
	return &h
}

// TestMajorHazardClosedLoop: a major hazard is listed with the province; it
// cannot be rectified without the five elements of its plan, nor closed by
// its reporter; a failed re-inspection re-opens it with a new deadline; a
// second rectification verified by someone else closes it (销号).
func TestMajorHazardClosedLoop(t *testing.T) {
	t.Parallel()
	start := day("2026-11-02", 9, 0)
	f := newFlow(t, start)
	deadline := day("2026-11-30", 23, 59)
	in := f.reportHazard("hmajor", "410122", duban.HazardMajor, deadline, nil)
	by := func(login string) workflows.Actor { return workflows.Actor{Login: login} }
	f.at(start.Add(time.Minute), func() {
		require.Equal(t, 3, f.count(`SELECT count(*) FROM notifications WHERE kind = 'hazard.listed' AND tenant IN ('410122', '4101', '41')`))
	})
	f.send(start.Add(time.Hour), workflows.UpdateRectify, workflows.RectifyInput{Actor: by("reporter"), Rectification: "已加固"}, func(v any, err error) {
		require.ErrorContains(t, err, "五到位")
	})
	partial := &duban.RectificationPlan{Measures: "加固支护", FundsCNY: 500000, Deadline: "2026-11-30", ResponsiblePerson: "张三"}
	f.send(start.Add(2*time.Hour), workflows.UpdateRectify, workflows.RectifyInput{Actor: by("reporter"), Rectification: "已加固", Plan: partial}, func(v any, err error) {
		require.ErrorContains(t, err, "五到位", "the emergency plan is missing")
	})
	full := *partial
	full.EmergencyPlan = "基坑坍塌应急预案"
	rectifiedAt := day("2026-11-10", 10, 0)
	f.send(rectifiedAt, workflows.UpdateRectify, workflows.RectifyInput{Actor: by("unit"), Rectification: "已加固", Plan: &full, Photos: []string{"att_after1"}}, func(v any, err error) {
		h := hazardOf(t, v, err)
		require.Equal(t, duban.HazardRectified, h.State)
		require.True(t, h.ReinspectDue.Equal(deadline.Add(duban.ReinspectWithin)), "rectified early: due 10 days after the deadline")
	})
	f.send(rectifiedAt.Add(time.Hour), workflows.UpdateVerify, workflows.VerifyInput{Actor: by("reporter"), Passed: true}, func(v any, err error) {
		require.ErrorContains(t, err, "other than the reporter")
	})
	newDeadline := day("2026-12-20", 23, 59)
	f.send(rectifiedAt.Add(2*time.Hour), workflows.UpdateVerify, workflows.VerifyInput{Actor: by("inspector"), Passed: false, Comment: "支护仍有位移", NewDeadline: newDeadline}, func(v any, err error) {
		h := hazardOf(t, v, err)
		require.Equal(t, duban.HazardOpen, h.State)
		require.Equal(t, 1, h.Reopens)
		require.True(t, h.Deadline.Equal(newDeadline))
		require.NotNil(t, h.Plan, "the plan stays")
	})
	// past the original deadline nothing escalates: the deadline moved
	f.at(day("2026-12-02", 12, 0), func() { require.False(t, f.hazard("hmajor").Overdue) })
	again := day("2026-12-21", 10, 0) // a day late
	f.at(again.Add(-time.Minute), func() {
		h := f.hazard("hmajor")
		require.True(t, h.Overdue)
		require.Equal(t, 1, h.EscalationLevel)
	})
	f.send(again, workflows.UpdateRectify, workflows.RectifyInput{Actor: by("unit"), Rectification: "重新加固"}, func(v any, err error) {
		h := hazardOf(t, v, err)
		require.True(t, h.ReinspectDue.Equal(again.Add(duban.ReinspectWithin)), "rectified late: due 10 days after the request")
	})
	// nobody re-inspects in 10 days: flagged and the city is told
	f.at(again.Add(duban.ReinspectWithin+time.Minute), func() {
		h := f.hazard("hmajor")
		require.True(t, h.ReinspectOverdue)
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'hazard.reinspect_overdue' AND tenant = '4101'`))
	})
	f.send(again.Add(11*24*time.Hour), workflows.UpdateVerify, workflows.VerifyInput{Actor: by("inspector"), Passed: true, Comment: "复查合格"}, func(v any, err error) {
		h := hazardOf(t, v, err)
		require.Equal(t, duban.HazardClosed, h.State)
		require.NotNil(t, h.ClosedAt)
		require.Equal(t, "inspector", h.VerifiedBy)
	})
	f.env.ExecuteWorkflow(workflows.HazardFlow, in)
	require.True(t, f.env.IsWorkflowCompleted(), "a closed hazard's workflow ends")
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 4, f.checks)
	var actions []string
	_, hist, err := f.db.GetHazard(context.Background(), duban.SystemScope, "hmajor")
	require.NoError(t, err)
	for _, e := range hist {
		actions = append(actions, e.Action)
	}
	require.Equal(t, []string{"report", "rectify", "reopen", "escalate", "rectify", "reinspect_overdue", "close"}, actions)
}

// TestGeneralHazardEscalates: an open hazard past its deadline climbs the
// ladder like an assignment.
func TestGeneralHazardEscalates(t *testing.T) {
	t.Parallel()
	start := day("2026-11-02", 9, 0)
	f := newFlow(t, start)
	in := f.reportHazard("hgeneral", "410122", duban.HazardGeneral, day("2026-11-06", 23, 59), nil)
	f.at(day("2026-11-05", 9, 1), func() {
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'hazard.reminder' AND tenant = '410122'`))
	})
	// +3 working days after Friday 6 Nov: Wednesday 11 Nov 09:00
	f.at(day("2026-11-11", 9, 1), func() { require.Equal(t, 2, f.hazard("hgeneral").EscalationLevel) })
	f.at(day("2026-11-20", 9, 1), func() { require.Equal(t, 3, f.hazard("hgeneral").EscalationLevel) })
	f.send(day("2026-11-21", 9, 0), workflows.UpdateRectify, workflows.RectifyInput{Actor: workflows.Actor{Login: "unit"}, Rectification: "已整改"}, func(v any, err error) {
		require.Equal(t, duban.HazardRectified, hazardOf(t, v, err).State, "a general hazard needs no plan")
	})
	f.send(day("2026-11-22", 9, 0), workflows.UpdateVerify, workflows.VerifyInput{Actor: workflows.Actor{Login: "inspector"}, Passed: true}, func(v any, err error) {
		require.False(t, hazardOf(t, v, err).Overdue, "closed: no longer overdue")
	})
	f.env.ExecuteWorkflow(workflows.HazardFlow, in)
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 3, f.checks)
	require.Zero(t, f.count(`SELECT count(*) FROM notifications WHERE kind = 'hazard.listed'`))
}
