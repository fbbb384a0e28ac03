package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays histories recorded on the dev server
// (e2e TestRecordHistories with DUBAN_RECORD_HISTORIES=1) against
// today's workflow code: a change that would break running campaigns fails
// here. Such a change must go behind workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3)
	for _, f := range files {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(workflows.CampaignNode, workflow.RegisterOptions{Name: workflows.WorkflowName})
		r.RegisterWorkflowWithOptions(workflows.HazardFlow, workflow.RegisterOptions{Name: workflows.HazardWorkflowName})
		r.RegisterWorkflowWithOptions(workflows.AccidentFlow, workflow.RegisterOptions{Name: workflows.AccidentWorkflowName})
		r.RegisterWorkflowWithOptions(workflows.CadenceFlow, workflow.RegisterOptions{Name: workflows.CadenceWorkflowName})
		r.RegisterWorkflowWithOptions(workflows.DangerousWorkFlow, workflow.RegisterOptions{Name: workflows.DangerousWorkWorkflowName})
		r.RegisterWorkflowWithOptions(workflows.CircularFlow, workflow.RegisterOptions{Name: workflows.CircularWorkflowName})
		r.RegisterWorkflowWithOptions(workflows.FollowUpFlow, workflow.RegisterOptions{Name: workflows.FollowUpWorkflowName})
		r.RegisterWorkflowWithOptions(workflows.MilestonesFlow, workflow.RegisterOptions{Name: workflows.MilestonesWorkflowName})
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(quiet{}, f), f)
	}
}
