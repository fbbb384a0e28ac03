package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
)

// TestCityRollUp: Zhengzhou and its counties. The city summary waits for
// every county's approval; a signed-off county can be reopened by the
// province; the campaign completes once every report is signed off.
func TestCityRollUp(t *testing.T) {
	t.Parallel()
	start := day("2026-03-02", 9, 0)
	due := day("2026-04-30", 23, 59)
	f, in := setup(t, start, "41", []duban.Level{duban.LevelCity, duban.LevelCounty}, []string{"4101"}, due)
	counties := f.dir.Supervised("4101")
	require.Greater(t, len(counties), 5)
	zm, zz, hn := workflows.Actor{Login: "zm"}, workflows.Actor{Login: "zz"}, workflows.Actor{Login: "hn"}
	ok := func(a *duban.Assignment, err error) { require.NoError(t, err) }

	f.env.RegisterDelayedCallback(func() {
		require.Equal(t, 1+len(counties), f.count(`SELECT count(*) FROM assignments WHERE campaign_id = $1`, f.cid))
		city := f.assignment("4101")
		require.Equal(t, "41", city.ReviewerTenant)
		require.Equal(t, duban.AssignmentID(f.cid, "4101"), f.assignment(counties[0]).ParentID)
		var steps []step
		// the summary cannot go up before the counties are approved
		steps = append(steps, step{"4101", workflows.UpdateSubmit, workflows.SubmitInput{Actor: zz, Values: validReport},
			func(a *duban.Assignment, err error) {
				require.Error(t, err)
				require.Contains(t, err.Error(), "not yet approved")
			}})
		for _, c := range counties {
			steps = append(steps,
				step{c, workflows.UpdateSubmit, workflows.SubmitInput{Actor: zm, Values: validReport}, ok},
				step{c, workflows.UpdateReview, workflows.ReviewInput{Actor: zz, Decision: workflows.DecisionApprove}, ok})
		}
		steps = append(steps,
			step{"4101", workflows.UpdateSubmit, workflows.SubmitInput{Actor: zz, Values: validReport}, ok},
			step{"4101", workflows.UpdateReview, workflows.ReviewInput{Actor: hn, Decision: workflows.DecisionApprove}, ok},
			step{"4101", workflows.UpdateSignOff, workflows.SignOffInput{Actor: hn}, ok})
		for _, c := range counties[1:] {
			steps = append(steps, step{c, workflows.UpdateSignOff, workflows.SignOffInput{Actor: hn}, ok})
		}
		// the province reopens one signed-off county before the campaign closes…
		last := counties[len(counties)-1]
		steps = append(steps,
			step{last, workflows.UpdateReview, workflows.ReviewInput{Actor: hn, Decision: workflows.DecisionReturn, Comment: "复核发现问题", ReworkDue: day("2026-04-10", 23, 59)},
				func(a *duban.Assignment, err error) {
					require.NoError(t, err)
					require.Equal(t, duban.StateReturned, a.State)
				}},
			step{last, workflows.UpdateSubmit, workflows.SubmitInput{Actor: zm, Values: validReport}, ok},
			step{last, workflows.UpdateReview, workflows.ReviewInput{Actor: zz, Decision: workflows.DecisionApprove}, ok},
			step{last, workflows.UpdateSignOff, workflows.SignOffInput{Actor: hn}, ok},
			// …and the last sign-off settles the tree: the campaign completes.
			step{counties[0], workflows.UpdateSignOff, workflows.SignOffInput{Actor: hn}, ok})
		f.sequence(steps...)
	}, time.Hour)

	f.env.ExecuteWorkflow(workflows.WorkflowName, in)
	require.True(t, f.env.IsWorkflowCompleted())
	require.NoError(t, f.env.GetWorkflowError())
	require.Equal(t, 1+len(counties), f.count(`SELECT count(*) FROM assignments WHERE campaign_id = $1 AND state = 'signed_off'`, f.cid))
	c, err := f.db.GetCampaign(context.Background(), duban.SystemScope, f.cid)
	require.NoError(t, err)
	require.Equal(t, duban.CampaignCompleted, c.Status)
	tenants := []duban.Tenant{*f.dir.Get("41"), *f.dir.Get("4101")}
	prog, err := f.db.CampaignProgress(context.Background(), duban.SystemScope, f.cid, duban.LevelCounty, tenants, day("2026-04-01", 0, 0))
	require.NoError(t, err)
	require.Equal(t, 1+len(counties), prog[0].Total)
	require.Equal(t, 1+len(counties), prog[0].SignedOff)
	require.Equal(t, 1.0, prog[0].OnTimeRate)
}

// TestCancelCampaign: cancelling the root cancels every running node, each
// records its assignment cancelled, and the campaign is recorded cancelled
// with the reason.
func TestCancelCampaign(t *testing.T) {
	t.Parallel()
	start := day("2026-03-02", 9, 0)
	f, in := setup(t, start, "41", []duban.Level{duban.LevelCity, duban.LevelCounty}, []string{"4102", "410225"}, day("2026-04-30", 23, 59))
	answered := false
	f.env.RegisterDelayedCallback(func() {
		n := f.count(`SELECT count(*) FROM assignments WHERE campaign_id = $1`, f.cid)
		require.Equal(t, 1+len(f.dir.Supervised("4102"))+1, n, "Kaifeng, its counties, and Lankao (supervised by the province)")
		f.env.UpdateWorkflow(workflows.UpdateCancel, "cancel", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { t.Errorf("cancel rejected: %v", err) },
			OnComplete: func(v any, err error) {
				answered = true
				require.NoError(t, err)
			},
		}, workflows.CancelInput{Actor: workflows.Actor{Login: "hn"}, Reason: "方案调整"})
	}, 24*time.Hour)
	f.env.ExecuteWorkflow(workflows.WorkflowName, in)
	require.True(t, f.env.IsWorkflowCompleted())
	require.Error(t, f.env.GetWorkflowError())
	require.True(t, answered)
	require.Zero(t, f.count(`SELECT count(*) FROM assignments WHERE campaign_id = $1 AND state <> 'cancelled'`, f.cid))
	require.Equal(t, 1, f.count(`SELECT count(*) FROM assignment_events WHERE assignment_id = $1 AND action = 'cancel'`, duban.AssignmentID(f.cid, "410225")))
	c, err := f.db.GetCampaign(context.Background(), duban.SystemScope, f.cid)
	require.NoError(t, err)
	require.Equal(t, duban.CampaignCancelled, c.Status)
	require.Equal(t, "方案调整", c.EndReason)
}
