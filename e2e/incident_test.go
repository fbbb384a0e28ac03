package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/testenv"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// brokenWorkflow fails every workflow task (as non-deterministic or broken
// workflow code would): Temporal retries such a task forever.
func brokenWorkflow(ctx workflow.Context) error {
	panic("broken workflow code")
}

// TestFailingWorkflowTaskIsAnIncident: a workflow task that keeps failing
// is not a silent retry loop — the worker logs an incident and the national
// root's inbox gets one 系统告警 notice for it, not one per retry.
func TestFailingWorkflowTaskIsAnIncident(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ts := testenv.Temporal(t)
	ctx := context.Background()
	queue := fmt.Sprintf("duban-incident-%d-%d", os.Getpid(), queueSeq.Add(1))
	a, err := app.Open(ctx, app.Config{DatabaseURL: d.AppURL, TemporalAddress: ts.FrontendHostPort(), TaskQueue: queue})
	require.NoError(t, err)
	t.Cleanup(a.Close)
	w := a.NewWorker()
	w.RegisterWorkflowWithOptions(brokenWorkflow, workflow.RegisterOptions{Name: "Broken"})
	require.NoError(t, a.StartWorker(w))
	run, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "broken-" + queue, TaskQueue: queue}, "Broken")
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Temporal.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	s := &stack{t: t, db: d}
	count := func() int {
		return s.countRows(`SELECT count(*) FROM notifications WHERE tenant = '000000' AND kind = 'incident' AND body->>'workflow_type' = 'Broken'`)
	}
	eventually(t, time.Minute, func() bool { return count() == 1 }, "an incident notice for the failing workflow task")
	time.Sleep(3 * time.Second) // the task keeps failing and being retried meanwhile
	require.Equal(t, 1, count(), "one notice per workflow type and reason per hour, not one per retry")
}
