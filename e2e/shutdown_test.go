package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban/duban/internal/app"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// A worker told to stop (SIGTERM cancels its context in app.Main) stops
// polling at once and finishes the activity it holds before it returns.
func TestWorkerStopsGracefully(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	cfg := s.app.Config
	cfg.TaskQueue += "-probe" // a queue of its own: only this test's workers poll it
	a, err := app.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	started, finished := make(chan struct{}, 1), atomic.Bool{}
	probe := func() worker.Worker {
		w := a.NewWorker()
		w.RegisterActivityWithOptions(func(ctx context.Context) error {
			started <- struct{}{}
			select {
			case <-time.After(2 * time.Second):
				finished.Store(true)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}, activity.RegisterOptions{Name: "SlowProbe"})
		w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
			return workflow.ExecuteActivity(ctx, "SlowProbe").Get(ctx, nil)
		}, workflow.RegisterOptions{Name: "SlowProbeFlow"})
		return w
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- a.RunWorker(ctx, probe()) }()
	run, err := a.Temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: fmt.Sprintf("slow-probe-%d", time.Now().UnixNano()),
		TaskQueue: cfg.TaskQueue}, "SlowProbeFlow")
	require.NoError(t, err)
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the probe activity never started")
	}
	t0 := time.Now()
	stop() // what SIGTERM does in app.Main
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(40 * time.Second):
		t.Fatal("the worker did not stop")
	}
	require.True(t, finished.Load(), "the activity in flight finished before the worker returned")
	require.GreaterOrEqual(t, time.Since(t0), time.Second, "it waited for the activity")
	// the workflow's last task completes once a worker runs again: nothing was lost
	require.NoError(t, a.StartWorker(probe()))
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, run.Get(cctx, nil))
}

// An API replica told to stop finishes the requests in flight and refuses
// new connections.
func TestAPIDrainsOnShutdown(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	inFlight := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inFlight)
		time.Sleep(1500 * time.Millisecond)
		_, _ = w.Write([]byte("done"))
	})
	addrc := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, "127.0.0.1:0", h, func(a string) { addrc <- a }) }()
	addr := <-addrc
	got := make(chan string, 1)
	go func() {
		r, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		got <- string(b)
	}()
	<-inFlight
	stop() // SIGTERM
	time.Sleep(200 * time.Millisecond)
	_, err := http.Get("http://" + addr + "/slow")
	require.Error(t, err, "a stopping replica takes no new connection")
	require.Equal(t, "done", <-got, "the request in flight was answered")
	require.NoError(t, <-served)
}
