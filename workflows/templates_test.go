package workflows_test

import (
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
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
