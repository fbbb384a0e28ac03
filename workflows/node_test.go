package workflows_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/internal/testenv"
	"github.com/duban/duban/postgres"
	"github.com/duban/duban/workflows"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type fixture struct {
	t       *testing.T
	db      *postgres.DB
	admin   *pgx.Conn
	env     *testsuite.TestWorkflowEnvironment
	dir     *duban.Directory
	cid     string
	updates int
}

func day(s string, h, m int) time.Time {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d.At(h, m)
}

// openStore opens a fresh migrated database (activities write to it), its
// tenant directory and an owner connection for the checks.
func openStore(t testing.TB) (*postgres.DB, *duban.Directory, *pgx.Conn) {
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	tenants, err := db.AllTenants(ctx)
	require.NoError(t, err)
	admin, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close(ctx) })
	return db, duban.NewDirectory(tenants), admin
}

// newEnv is a time-skipping environment starting at start with every
// workflow registered and the activities on db.
func newEnv(db *postgres.DB, dir *duban.Directory, start time.Time) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	if os.Getenv("DUBAN_WORKFLOW_LOG") == "" {
		suite.SetLogger(quiet{})
	}
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetTestTimeout(testTimeout)
	env.RegisterWorkflowWithOptions(workflows.CampaignNode, workflow.RegisterOptions{Name: workflows.WorkflowName})
	env.RegisterWorkflowWithOptions(workflows.HazardFlow, workflow.RegisterOptions{Name: workflows.HazardWorkflowName})
	env.RegisterWorkflowWithOptions(workflows.AccidentFlow, workflow.RegisterOptions{Name: workflows.AccidentWorkflowName})
	env.RegisterWorkflowWithOptions(workflows.FollowUpFlow, workflow.RegisterOptions{Name: workflows.FollowUpWorkflowName})
	env.RegisterWorkflowWithOptions(workflows.CircularFlow, workflow.RegisterOptions{Name: workflows.CircularWorkflowName})
	env.RegisterWorkflowWithOptions(workflows.MilestonesFlow, workflow.RegisterOptions{Name: workflows.MilestonesWorkflowName})
	env.RegisterActivity(&activities.Activities{DB: db, Dir: dir})
	return env
}

// setup makes a test workflow environment whose activities write to a real
// PostgreSQL, and records a campaign launched at start.
func setup(t *testing.T, start time.Time, scope string, levels []duban.Level, targets []string, due time.Time) (*fixture, workflows.NodeInput) {
	return setupTemplate(t, "generic", start, scope, levels, targets, []duban.PhaseDeadline{{ID: "main", Due: due}})
}

// setupTemplate is setup for any template with its resolved phases; the
// assignments are due at the last phase.
func setupTemplate(t *testing.T, template string, start time.Time, scope string, levels []duban.Level, targets []string, phases []duban.PhaseDeadline) (*fixture, workflows.NodeInput) {
	last := phases[len(phases)-1]
	ctx := context.Background()
	db, dir, admin := openStore(t)
	env := newEnv(db, dir, start)

	cid := "ctest" + time.Now().Format("150405.000000")[7:]
	tpl := duban.TemplateByID(template)
	c := &duban.Campaign{ID: cid, Template: template, Title: "测试督办", Scope: scope, Levels: levels,
		Phases: phases, Targets: targets, CreatedBy: "test", CreatedAt: start}
	require.NoError(t, db.InsertCampaign(ctx, duban.SystemScope, c))
	in := workflows.NodeInput{CampaignID: cid, Root: true, Scope: scope, Tenant: scope, Name: dir.Get(scope).Name, Level: dir.Get(scope).Level,
		Title: "测试督办", Phase: last.ID, Due: last.Due, Levels: levels, Targets: targets, Template: *tpl}
	return &fixture{t: t, db: db, admin: admin, env: env, dir: dir, cid: cid}, in
}

func (f *fixture) assignment(tenant string) duban.Assignment {
	a, _, err := f.db.GetAssignment(context.Background(), duban.SystemScope, duban.AssignmentID(f.cid, tenant))
	require.NoError(f.t, err)
	return *a
}

func (f *fixture) count(q string, args ...any) int {
	var n int
	require.NoError(f.t, f.admin.QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

// step is one update and what to check of its answer.
type step struct {
	tenant, name string
	arg          any
	check        func(a *duban.Assignment, err error)
}

// sequence sends updates one minute apart (updates run asynchronously in
// the test environment; each has long completed a minute later) and checks
// each answer; a step that never answers fails the test at the end.
func (f *fixture) sequence(steps ...step) {
	for i, st := range steps {
		st := st
		answered := false
		f.t.Cleanup(func() {
			if !answered {
				f.t.Errorf("update %s to %s never answered", st.name, st.tenant)
			}
		})
		f.env.RegisterDelayedCallback(func() {
			finish := func(v any, err error) {
				answered = true
				a, _ := v.(*duban.Assignment)
				st.check(a, err)
			}
			f.updates++
			err := f.env.UpdateWorkflowByID(workflows.NodeID(f.cid, st.tenant), st.name, fmt.Sprintf("u%d", f.updates), &testsuite.TestUpdateCallback{
				OnAccept:   func() {},
				OnReject:   func(err error) { finish(nil, err) },
				OnComplete: finish,
			}, st.arg)
			require.NoError(f.t, err)
		}, time.Duration(i)*time.Minute)
	}
}

var validReport = map[string]any{"completed": 3.0, "hazards_found": 2.0, "hazards_rectified": 2.0, "status": "done", "summary": "已完成排查整治"}

// TestLifecycleAcrossNationalDay runs one county's assignment over two
// months of simulated time: reminders on the right working days around the
// 2026 National Day holiday, every escalation step, an extension re-arming
// the timers, return and resubmit, approval and sign-off, then completion.
func TestLifecycleAcrossNationalDay(t *testing.T) {
	t.Parallel()
	start := day("2026-09-01", 9, 0)
	due := day("2026-10-09", 23, 59).Add(59 * time.Second) // end of Friday 9 Oct
	f, in := setup(t, start, "41", []duban.Level{duban.LevelCounty}, []string{"410122"}, due)
	env := f.env
	checks := 0
	at := func(when time.Time, fn func()) {
		env.RegisterDelayedCallback(func() { fn(); checks++ }, when.Sub(start))
	}
	// Launch: assigned, due Friday 9 Oct.
	at(day("2026-09-01", 10, 0), func() {
		a := f.assignment("410122")
		require.Equal(t, duban.StateAssigned, a.State)
		require.True(t, a.DueAt.Equal(due))
		require.Equal(t, "4101", a.ReviewerTenant)
		require.Equal(t, "41", a.SignerTenant)
		require.Zero(t, f.count(`SELECT count(*) FROM notifications`))
	})
	// 5 working days before 9 Oct, counting back over Mid-Autumn (25–27 Sep): Thursday 24 Sep.
	at(day("2026-09-24", 8, 59), func() {
		require.Zero(t, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`))
	})
	at(day("2026-09-24", 9, 1), func() {
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder' AND tenant = '410122'`))
	})
	// 1 working day before: Thursday 8 Oct (1–7 Oct is the holiday).
	at(day("2026-10-08", 8, 59), func() {
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`))
	})
	at(day("2026-10-08", 9, 1), func() {
		require.Equal(t, 2, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`))
	})
	at(day("2026-10-09", 9, 1), func() {
		require.Equal(t, 3, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`))
		require.False(t, f.assignment("410122").Overdue)
	})
	// Overdue at the due instant: step 1 (督办提醒) to the county and its city.
	at(day("2026-10-10", 0, 1), func() {
		a := f.assignment("410122")
		require.True(t, a.Overdue)
		require.Equal(t, 1, a.EscalationLevel)
		require.Equal(t, 2, f.count(`SELECT count(*) FROM notifications WHERE kind = 'escalation.reminder'`))
	})
	// Step 2 after 3 working days: 10 Oct (Saturday make-up day), 12, 13 → Tuesday 13 Oct 09:00.
	at(day("2026-10-13", 8, 59), func() { require.Equal(t, 1, f.assignment("410122").EscalationLevel) })
	at(day("2026-10-13", 9, 1), func() {
		require.Equal(t, 2, f.assignment("410122").EscalationLevel)
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'escalation.supervise' AND tenant = '4101'`))
	})
	// Step 3 (挂牌督办) after 10 working days: Thursday 22 Oct.
	at(day("2026-10-22", 9, 1), func() { require.Equal(t, 3, f.assignment("410122").EscalationLevel) })
	// Step 4 (约谈) after 20 working days: Thursday 5 Nov; the summons is recorded.
	at(day("2026-11-05", 8, 59), func() { require.Equal(t, 3, f.assignment("410122").EscalationLevel) })
	at(day("2026-11-05", 9, 1), func() {
		require.Equal(t, 4, f.assignment("410122").EscalationLevel)
		require.Equal(t, 1, f.count(`SELECT count(*) FROM summons WHERE assignment_id = $1`, duban.AssignmentID(f.cid, "410122")))
		require.Equal(t, 1, f.count(`SELECT count(*) FROM summonses WHERE source = $1 AND state = 'raised' AND tenant = '410122' AND convener = '4101'`,
			"assignment/"+duban.AssignmentID(f.cid, "410122")), "the 约谈 rung raises a summons for the reviewer to convene")
	})
	// The city extends the deadline: flags reset, timers re-armed for the new date.
	newDue := day("2026-11-20", 23, 59).Add(59 * time.Second)
	at(day("2026-11-06", 10, 0), func() {
		f.sequence(
			step{"410122", workflows.UpdateExtend, workflows.ExtendInput{Actor: workflows.Actor{Login: "zz"}, Due: day("2026-11-01", 0, 0), Reason: "x"},
				func(a *duban.Assignment, err error) {
					require.Error(t, err, "an extension must move the deadline later")
				}},
			step{"410122", workflows.UpdateExtend, workflows.ExtendInput{Actor: workflows.Actor{Login: "zz"}, Due: newDue, Reason: "受汛情影响"},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.False(t, a.Overdue)
					require.Equal(t, 0, a.EscalationLevel)
					require.True(t, f.assignment("410122").DueAt.Equal(newDue))
				}},
		)
	})
	// 5 working days before Friday 20 Nov: Friday 13 Nov.
	at(day("2026-11-13", 8, 59), func() {
		require.Equal(t, 3, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`))
	})
	at(day("2026-11-13", 9, 1), func() {
		require.Equal(t, 1, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder' AND created_at = $1`, day("2026-11-13", 9, 0)))
	})
	// Submit a bad report, then a good one; the city returns it; resubmit; approve; the province signs off.
	zm, zz, hn := workflows.Actor{Login: "zm"}, workflows.Actor{Login: "zz"}, workflows.Actor{Login: "hn"}
	at(day("2026-11-16", 10, 0), func() {
		f.sequence(
			step{"410122", workflows.UpdateSubmit, workflows.SubmitInput{Actor: zm, Values: map[string]any{"completed": -1.0}},
				func(a *duban.Assignment, err error) { require.Error(t, err, "a bad report is refused") }},
			step{"410122", workflows.UpdateReview, workflows.ReviewInput{Actor: zz, Decision: workflows.DecisionApprove},
				func(a *duban.Assignment, err error) { require.Error(t, err, "cannot approve before submission") }},
			step{"410122", workflows.UpdateSaveDraft, workflows.DraftInput{Actor: zm, Values: map[string]any{"completed": 1.0}},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.Equal(t, duban.StateInProgress, a.State)
				}},
			step{"410122", workflows.UpdateSubmit, workflows.SubmitInput{Actor: zm, Values: validReport},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.Equal(t, duban.StateSubmitted, a.State)
					require.Equal(t, duban.StateSubmitted, f.assignment("410122").State, "a read right after sees the new state")
				}},
			step{"410122", workflows.UpdateReview, workflows.ReviewInput{Actor: zz, Decision: workflows.DecisionReturn, Comment: "数据不全", ReworkDue: day("2026-11-18", 23, 59)},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.Equal(t, duban.StateReturned, a.State)
					require.Equal(t, "数据不全", a.Comment)
					require.True(t, a.DueAt.Equal(day("2026-11-18", 23, 59)), "the rework due")
					require.NotNil(t, a.OriginalDue, "the due date before the return is kept")
					require.True(t, a.OriginalDue.Equal(newDue))
					require.True(t, f.assignment("410122").OriginalDue.Equal(newDue), "and in the read model")
				}},
		)
	})
	at(day("2026-11-17", 10, 0), func() {
		f.sequence(
			step{"410122", workflows.UpdateSubmit, workflows.SubmitInput{Actor: zm, Values: validReport},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.True(t, a.DueAt.Equal(newDue), "the rework submitted: the original due date stands again")
					require.Nil(t, a.OriginalDue)
				}},
			step{"410122", workflows.UpdateReview, workflows.ReviewInput{Actor: zz, Decision: workflows.DecisionApprove, Comment: "同意"},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.Equal(t, duban.StateApproved, a.State)
				}},
			step{"410122", workflows.UpdateSignOff, workflows.SignOffInput{Actor: hn},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.Equal(t, duban.StateSignedOff, a.State)
				}},
		)
	})

	env.ExecuteWorkflow(workflows.WorkflowName, in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, 17, checks, "every checkpoint ran")

	a := f.assignment("410122")
	require.Equal(t, duban.StateSignedOff, a.State)
	require.NotNil(t, a.FirstSubmittedAt)
	_, hist, err := f.db.GetAssignment(context.Background(), duban.SystemScope, a.ID)
	require.NoError(t, err)
	var actions []string
	for _, h := range hist {
		actions = append(actions, h.Action)
	}
	require.Equal(t, []string{"assign", "escalate", "escalate", "escalate", "escalate", "extend_deadline", "save_draft", "submit", "return", "submit", "approve", "sign_off"}, actions)
	c, err := f.db.GetCampaign(context.Background(), duban.SystemScope, f.cid)
	require.NoError(t, err)
	require.Equal(t, duban.CampaignCompleted, c.Status)
	// every projected version was audited exactly once, and the chain holds
	require.Equal(t, len(hist), f.count(`SELECT count(*) FROM audit_events WHERE target = $1`, "assignment/"+a.ID))
	broken, _, err := f.db.VerifyAudit(context.Background(), duban.SystemScope, true)
	require.NoError(t, err)
	require.Nil(t, broken)
}

type quiet struct{}

func (quiet) Debug(string, ...interface{}) {}
func (quiet) Info(string, ...interface{})  {}
func (quiet) Warn(string, ...interface{})  {}
func (quiet) Error(string, ...interface{}) {}

// TestMissedEscalationCatchesUp: when a schedule is computed after steps of
// the ladder already fell due (a worker down for days, a past deadline),
// the highest missed step applies at once; later steps still fire on time.
func TestMissedEscalationCatchesUp(t *testing.T) {
	t.Parallel()
	start := day("2026-11-02", 9, 0)
	due := day("2026-10-09", 23, 59).Add(59 * time.Second) // 20 working days before 5 Nov
	f, in := setup(t, start, "41", []duban.Level{duban.LevelCounty}, []string{"410122"}, due)
	checks := 0
	f.env.RegisterDelayedCallback(func() {
		a := f.assignment("410122")
		require.Equal(t, 3, a.EscalationLevel, "挂牌督办 (+10 working days, 22 Oct) was missed: it applies now")
		require.True(t, a.Overdue)
		require.Equal(t, 0, f.count(`SELECT count(*) FROM notifications WHERE kind IN ('escalation.reminder', 'escalation.supervise')`), "only the highest missed step")
		require.Equal(t, 2, f.count(`SELECT count(*) FROM notifications WHERE kind = 'escalation.listed'`))
		checks++
	}, time.Hour)
	f.env.RegisterDelayedCallback(func() {
		require.Equal(t, 4, f.assignment("410122").EscalationLevel, "约谈 on 5 Nov, on time")
		checks++
		f.sequence(
			step{"410122", workflows.UpdateSubmit, workflows.SubmitInput{Actor: workflows.Actor{Login: "zm"}, Values: validReport}, func(a *duban.Assignment, err error) { require.NoError(t, err) }},
			step{"410122", workflows.UpdateReview, workflows.ReviewInput{Actor: workflows.Actor{Login: "zz"}, Decision: workflows.DecisionApprove}, func(a *duban.Assignment, err error) { require.NoError(t, err) }},
			step{"410122", workflows.UpdateSignOff, workflows.SignOffInput{Actor: workflows.Actor{Login: "hn"}}, func(a *duban.Assignment, err error) { require.NoError(t, err) }},
		)
	}, day("2026-11-05", 9, 1).Sub(start))
	f.env.ExecuteWorkflow(workflows.WorkflowName, in)
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 2, checks)
}

// testTimeout bounds each time-skipping run in real time (DUBAN_TEST_TIMEOUT overrides).
var testTimeout = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("DUBAN_TEST_TIMEOUT")); err == nil {
		return d
	}
	return 2 * time.Minute
}()
