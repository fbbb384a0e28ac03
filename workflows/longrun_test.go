package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestNodeThreeYearsContinuesAsNew drives one county's node of a three-year
// rectification campaign through 36 months of simulated time: a progress
// update (draft) every month, a half-yearly submission the city returns for
// more work, the reminders before the end, the final submission, approval
// and sign-off. Each run writes RunCommits versions and continues as new
// with its state; the Update that wrote the last version of a run answers
// from that run. Across the runs the assignment's versions run 1..N without
// a gap, and the node ends signed off.
func TestNodeThreeYearsContinuesAsNew(t *testing.T) {
	t.Parallel()
	start := day("2026-01-05", 9, 0)
	due := day("2028-12-29", 23, 59).Add(59 * time.Second) // Friday 29 Dec 2028
	f, root := setup(t, start, "41", []duban.Level{duban.LevelCounty}, []string{"410122"}, due)
	in := workflows.NodeInput{CampaignID: f.cid, Scope: "41", Tenant: "410122", Name: f.dir.Get("410122").Name, Level: duban.LevelCounty,
		HasAssignment: true, Reviewer: "4101", Signer: "41", Title: root.Title, Phase: root.Phase, Due: due, Levels: root.Levels,
		Targets: root.Targets, Template: root.Template, RunCommits: 12}
	type action struct {
		at     time.Time
		update string
		arg    any
		done   bool
	}
	var plan []*action
	add := func(at time.Time, update string, arg any) {
		plan = append(plan, &action{at: at, update: update, arg: arg})
	}
	who := workflows.Actor{Login: "zhongmu-staff"}
	for m := 1; m < 36; m++ {
		month := start.AddDate(0, m, 0)
		add(month, workflows.UpdateSaveDraft, workflows.DraftInput{Actor: who, Values: map[string]any{"completed": float64(m)}})
		if m%6 == 0 {
			add(month.AddDate(0, 0, 1), workflows.UpdateSubmit, workflows.SubmitInput{Actor: who, Values: validReport})
			add(month.AddDate(0, 0, 2), workflows.UpdateReview, workflows.ReviewInput{Actor: workflows.Actor{Login: "zhengzhou-reviewer"},
				Decision: workflows.DecisionReturn, Comment: "继续整治，按月报送进展", ReworkDue: due})
		}
	}
	add(day("2028-12-28", 15, 0), workflows.UpdateSubmit, workflows.SubmitInput{Actor: who, Values: validReport})
	add(day("2028-12-28", 16, 0), workflows.UpdateReview, workflows.ReviewInput{Actor: workflows.Actor{Login: "zhengzhou-reviewer"}, Decision: workflows.DecisionApprove})
	add(day("2028-12-28", 17, 0), workflows.UpdateSignOff, workflows.SignOffInput{Actor: workflows.Actor{Login: "henan-planner"}})

	env, runs, answered, failed, extra := f.env, 0, 0, 0, 0
	for {
		runs++
		require.LessOrEqual(t, runs, 10)
		now := env.Now()
		for _, a := range plan {
			if a.done || a.at.Before(now) {
				continue
			}
			a := a
			env.RegisterDelayedCallback(func() {
				a.done = true
				env.UpdateWorkflow(a.update, fmt.Sprintf("u-%s-%d", a.update, a.at.Unix()), &testsuite.TestUpdateCallback{
					OnAccept: func() {},
					OnReject: func(err error) { failed++; t.Errorf("%s at %s rejected: %v", a.update, a.at, err) },
					OnComplete: func(_ any, err error) {
						if err != nil {
							failed++
							t.Errorf("%s at %s: %v", a.update, a.at, err)
						}
						answered++
					},
				}, a.arg)
			}, a.at.Sub(now))
		}
		if in.Carried != nil && in.Carried.Assignment.State.Open() {
			// an Update waiting for the new run the moment it starts (the
			// clerk saves again as the last run closes): validated against the
			// carried state
			extra++
			plan = append(plan, &action{at: now, update: workflows.UpdateSaveDraft, done: true})
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(workflows.UpdateSaveDraft, fmt.Sprintf("u-carry-%d", runs), &testsuite.TestUpdateCallback{
					OnAccept: func() {},
					OnReject: func(err error) { failed++; t.Errorf("the draft at the start of run %d rejected: %v", runs, err) },
					OnComplete: func(v any, err error) {
						if err != nil {
							failed++
							t.Errorf("the draft at the start of run %d: %v", runs, err)
						}
						answered++
					},
				}, workflows.DraftInput{Actor: who, Values: map[string]any{"completed": 1.0}})
			}, 0)
		}
		// the campaign completes: the node's parent releases it
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalRelease, nil) }, day("2028-12-29", 12, 0).Sub(now))
		env.ExecuteWorkflow(workflows.WorkflowName, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		if err == nil {
			break
		}
		var cont *workflow.ContinueAsNewError
		require.ErrorAs(t, err, &cont, "run %d", runs)
		var next workflows.NodeInput
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(cont.Input, &next))
		require.NotNil(t, next.Carried, "run %d carries the node's state", runs)
		a := f.assignment("410122")
		require.Equal(t, a.Version, next.Carried.Assignment.Version, "run %d carries the version last written", runs)
		require.Equal(t, a.State, next.Carried.Assignment.State)
		require.EqualValues(t, runs*12, a.Version, "run %d wrote RunCommits versions", runs)
		in = next
		env = newEnv(f.db, f.dir, env.Now())
	}
	total := len(plan) + 1 // the updates and the assignment
	require.Zero(t, failed)
	require.Greater(t, extra, 2, "Updates met the start of most runs")
	require.Equal(t, len(plan), answered, "every update answered")
	require.Equal(t, (total+11)/12, runs, "a run for every twelve versions")
	a := f.assignment("410122")
	require.Equal(t, duban.StateSignedOff, a.State)
	require.EqualValues(t, total, a.Version)
	require.Equal(t, total, f.count(`SELECT count(DISTINCT version) FROM assignment_events WHERE assignment_id = $1 AND version BETWEEN 1 AND $2`, a.ID, total),
		"versions 1..N, none lost or repeated across the runs")
	require.True(t, a.DueAt.Equal(due), "the returns kept the due date")
	require.GreaterOrEqual(t, f.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder' AND assignment_id = $1`, a.ID), 2, "reminders before the end, in the last run")
	var esc []string
	rows, _ := f.admin.Query(context.Background(), `SELECT kind || ' ' || tenant || ' ' || created_at::text FROM notifications WHERE kind LIKE 'escalation%' AND assignment_id = $1`, a.ID)
	for rows.Next() {
		var x string
		_ = rows.Scan(&x)
		esc = append(esc, x)
	}
	require.Empty(t, esc, "never overdue")
}
