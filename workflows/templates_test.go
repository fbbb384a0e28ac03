package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestSeedTemplatesFullRun runs each seed template's campaign from launch to
// completion in simulated time: a city and a county target, reminders and
// an escalation before the county reports, its report validated against the
// template's form, the city's review, the province's sign-off, completion.
// (City summaries over all counties run on the real stack: TestSeedTemplatesHenan.)
func TestSeedTemplatesFullRun(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"rectification-3y", "house-survey", "dual-prevention", "fireworks-holiday", "responsibility-letter"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			tpl := duban.TemplateByID(id)
			start := day("2026-03-02", 9, 0)
			phases, err := tpl.ResolveDeadlines(start, nil, func(y int, m time.Month, d int) time.Time {
				return calendar.Date{Year: y, Month: m, Day: d}.EndOfDay()
			})
			require.NoError(t, err)
			due := phases[len(phases)-1].Due
			if id == "house-survey" {
				require.Equal(t, day("2026-06-30", 23, 59).Add(59*time.Second), due, "the survey ends on 30 June")
			}
			f, in := setupTemplate(t, id, start, "41", []duban.Level{duban.LevelCounty}, []string{"410122"}, phases)
			county := tpl.Tasks[duban.LevelCounty].Form
			bad := county.SampleReport(1)
			delete(bad, "summary")
			bad["nonsense"] = 1.0
			late := due.Add(30 * time.Hour) // overdue: escalation step 1 fired at the due instant
			f.env.RegisterDelayedCallback(func() {
				a := f.assignment("410122")
				require.Equal(t, 1, a.EscalationLevel)
				require.Positive(t, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder' AND tenant = '410122'`))
				f.sequence(
					step{"410122", workflows.UpdateSubmit, workflows.SubmitInput{Actor: workflows.Actor{Login: "zm"}, Values: bad}, func(a *duban.Assignment, err error) {
						require.Error(t, err, "a report that does not fit the form")
					}},
					step{"410122", workflows.UpdateSubmit, workflows.SubmitInput{Actor: workflows.Actor{Login: "zm"}, Values: county.SampleReport(410122)}, func(a *duban.Assignment, err error) {
						require.NoError(t, err)
						require.Equal(t, duban.StateSubmitted, a.State)
					}},
					step{"410122", workflows.UpdateReview, workflows.ReviewInput{Actor: workflows.Actor{Login: "zz"}, Decision: workflows.DecisionApprove}, func(a *duban.Assignment, err error) { require.NoError(t, err) }},
					step{"410122", workflows.UpdateSignOff, workflows.SignOffInput{Actor: workflows.Actor{Login: "hn"}}, func(a *duban.Assignment, err error) { require.NoError(t, err) }},
				)
			}, late.Sub(start))
			f.env.ExecuteWorkflow(workflows.WorkflowName, in)
			require.True(t, f.env.IsWorkflowCompleted())
			require.NoError(t, f.env.GetWorkflowError())
			require.Equal(t, duban.StateSignedOff, f.assignment("410122").State)
			require.Equal(t, 1, f.count(`SELECT count(*) FROM campaigns WHERE id = $1 AND status = 'completed'`, f.cid))
		})
	}
}

// TestRectificationCadence: the three-year action's cadence starts, on the
// first of every month, the update of the three lists for the month just
// ended, due at the end of the 5th working day, for every target; it stops
// at the campaign's end.
func TestRectificationCadence(t *testing.T) {
	t.Parallel()
	tpl := duban.TemplateByID("rectification-3y")
	start := day("2026-11-10", 9, 0)
	until := day("2027-02-20", 23, 59)
	f, in := setupTemplate(t, "rectification-3y", start, "41", []duban.Level{duban.LevelCounty}, []string{"410122"},
		[]duban.PhaseDeadline{{ID: "consolidate", Due: until}})
	f.env.SetTestTimeout(30 * time.Second)
	f.env.RegisterWorkflowWithOptions(workflows.CadenceFlow, workflow.RegisterOptions{Name: workflows.CadenceWorkflowName})
	c, err := f.db.GetCampaign(context.Background(), duban.SystemScope, f.cid)
	require.NoError(t, err)
	f.env.RegisterDelayedCallback(func() {
		require.Zero(t, f.count(`SELECT count(*) FROM campaigns WHERE parent_campaign = $1`, f.cid))
	}, day("2026-11-30", 23, 0).Sub(start))
	checked := false
	f.env.RegisterDelayedCallback(func() {
		rows, err := f.admin.Query(context.Background(), `SELECT c.period, a.due_at, a.title FROM campaigns c JOIN assignments a ON a.campaign_id = c.id
		WHERE c.parent_campaign = $1 AND a.tenant = '410122' ORDER BY c.period`, f.cid)
		require.NoError(t, err)
		var periods []string
		var dues []time.Time
		for rows.Next() {
			var p, title string
			var due time.Time
			require.NoError(t, rows.Scan(&p, &due, &title))
			require.Contains(t, title, "三个清单月度更新")
			periods, dues = append(periods, p), append(dues, due)
		}
		require.Equal(t, []string{"2026-11", "2026-12", "2027-01"}, periods, "one period per month, none after the campaign ends")
		require.True(t, dues[0].Equal(day("2026-12-07", 23, 59).Add(59*time.Second)), "5th working day of December: Monday 7 Dec, got %s", dues[0])
		require.True(t, dues[2].Equal(day("2027-02-14", 23, 59).Add(59*time.Second)),
			"February 2027: 1–4 Feb, then the Spring Festival (5–13 Feb), then Sunday 14 Feb, a make-up working day; got %s", dues[2])
		require.True(t, dues[1].After(day("2027-01-07", 0, 0)), "New Year's Day is no working day")
		checked = true
		// every period's county reports, is approved and signed off, so the period campaigns complete
		upd := tpl.PeriodTemplate().Tasks[duban.LevelCounty].Form.SampleReport(7)
		for i, p := range periods {
			node := workflows.NodeID(f.cid+"-m"+p[:4]+p[5:], "410122")
			for j, u := range []struct {
				name string
				arg  any
			}{
				{workflows.UpdateSubmit, workflows.SubmitInput{Actor: workflows.Actor{Login: "zm"}, Values: upd}},
				{workflows.UpdateReview, workflows.ReviewInput{Actor: workflows.Actor{Login: "zz"}, Decision: workflows.DecisionApprove}},
				{workflows.UpdateSignOff, workflows.SignOffInput{Actor: workflows.Actor{Login: "hn"}}},
			} {
				f.env.RegisterDelayedCallback(func() {
					f.updates++
					require.NoError(t, f.env.UpdateWorkflowByID(node, u.name, fmt.Sprintf("c%d", f.updates), &testsuite.TestUpdateCallback{
						OnAccept: func() {}, OnReject: func(err error) { t.Error(err) }, OnComplete: func(_ any, err error) { require.NoError(t, err) },
					}, u.arg))
				}, time.Duration(i*3+j+1)*time.Minute)
			}
		}
	}, day("2027-02-10", 9, 0).Sub(start))
	f.env.ExecuteWorkflow(workflows.CadenceFlow, workflows.CadenceInput{Campaign: *c, ScopeName: in.Name, ScopeLevel: in.Level, Template: *tpl, Until: until})
	require.True(t, checked)
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 3, f.count(`SELECT count(*) FROM campaigns WHERE parent_campaign = $1 AND status = 'completed'`, f.cid))
}

// TestCadenceThreeYearsContinuesAsNew: a three-year action's cadence starts
// 36 monthly periods; each run starts twelve and continues as new, so no run
// keeps more than a year of history, and the next run, started where the
// last one stopped, goes on with the next month: every month once, none
// twice, none after the campaign's end. (The period campaigns are stood in
// for: each is a campaign tree of its own, tested elsewhere.)
func TestCadenceThreeYearsContinuesAsNew(t *testing.T) {
	t.Parallel()
	tpl := duban.TemplateByID("rectification-3y")
	start := day("2026-01-05", 9, 0)
	until := day("2028-12-31", 23, 59)
	f, in := setupTemplate(t, "rectification-3y", start, "41", []duban.Level{duban.LevelCounty}, []string{"410122"},
		[]duban.PhaseDeadline{{ID: "consolidate", Due: until}})
	c, err := f.db.GetCampaign(context.Background(), duban.SystemScope, f.cid)
	require.NoError(t, err)
	input := workflows.CadenceInput{Campaign: *c, ScopeName: in.Name, ScopeLevel: in.Level, Template: *tpl, Until: until}
	periods := func() int { return f.count(`SELECT count(*) FROM campaigns WHERE parent_campaign = $1`, f.cid) }
	env := f.env
	for run := 1; ; run++ {
		require.LessOrEqual(t, run, 4)
		started := 0
		env.RegisterWorkflowWithOptions(workflows.CadenceFlow, workflow.RegisterOptions{Name: workflows.CadenceWorkflowName})
		env.OnWorkflow(workflows.WorkflowName, mock.Anything, mock.Anything).Return(func(_ workflow.Context, _ workflows.NodeInput) error {
			started++
			return nil
		})
		env.ExecuteWorkflow(workflows.CadenceWorkflowName, input)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		if err == nil {
			require.Equal(t, 3, run, "three runs of twelve months")
			break
		}
		var cont *workflow.ContinueAsNewError
		require.ErrorAs(t, err, &cont, "run %d continues as new", run)
		require.Equal(t, workflows.CadenceRunPeriods, started, "run %d started a year of periods", run)
		require.Equal(t, run*workflows.CadenceRunPeriods, periods())
		env = newEnv(f.db, f.dir, env.Now())
	}
	require.Equal(t, 35, periods(), "January 2026 to November 2028: one period for each month ended before the campaign's end")
	require.Equal(t, 35, f.count(`SELECT count(DISTINCT period) FROM campaigns WHERE parent_campaign = $1`, f.cid), "no month twice")
}
