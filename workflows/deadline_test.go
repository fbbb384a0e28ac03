package workflows_test

import (
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
)

// TestNestedDeadlines: the province sets an earlier internal deadline
// (倒排工期) on a campaign of cities and their counties; it reaches the
// city and, through it, every county under it. A county's extension past
// its city's due date is refused.
func TestNestedDeadlines(t *testing.T) {
	t.Parallel()
	start := day("2026-11-02", 9, 0)
	due := day("2026-12-31", 23, 59)
	f, in := setup(t, start, "41", []duban.Level{duban.LevelCity, duban.LevelCounty}, []string{"4101"}, due)
	f.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.RootID(f.cid)})
	tight := day("2026-12-15", 23, 59)
	answered := 0
	update := func(id, name string, arg any, after time.Duration, check func(v any, err error)) {
		f.env.RegisterDelayedCallback(func() {
			f.updates++
			f.env.UpdateWorkflowByID(id, name, "u"+time.Duration(f.updates).String(), &testsuite.TestUpdateCallback{OnAccept: func() {},
				OnReject: func(err error) { answered++; check(nil, err) }, OnComplete: func(v any, err error) { answered++; check(v, err) }}, arg)
		}, after)
	}
	update(workflows.RootID(f.cid), workflows.UpdateTighten, workflows.TightenInput{Actor: workflows.Actor{Login: "hn"}, Due: tight}, time.Hour,
		func(v any, err error) { require.NoError(t, err) })
	checked := false
	f.env.RegisterDelayedCallback(func() {
		require.True(t, f.assignment("4101").DueAt.Equal(tight), "the city")
		for _, county := range f.dir.Supervised("4101") {
			require.True(t, f.assignment(county).DueAt.Equal(tight), "county %s under the city", county)
		}
		checked = true
	}, 2*time.Hour)
	update(workflows.NodeID(f.cid, "410122"), workflows.UpdateExtend, workflows.ExtendInput{Actor: workflows.Actor{Login: "zz"}, Due: day("2026-12-20", 23, 59),
		Reason: "汛期", ParentDue: tight}, 3*time.Hour, func(v any, err error) { requireCode(t, err, duban.EInvalid) })
	update(workflows.RootID(f.cid), workflows.UpdateCancel, workflows.CancelInput{Actor: workflows.Actor{Login: "hn"}, Reason: "测试结束"}, 4*time.Hour,
		func(v any, err error) { require.NoError(t, err) })
	f.env.ExecuteWorkflow(workflows.WorkflowName, in)
	require.True(t, checked)
	require.Equal(t, 3, answered)
}
