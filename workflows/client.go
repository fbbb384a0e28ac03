package workflows

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/duban/duban"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Client is the Temporal side of duban.Engine: it starts Duban's workflows
// on a task queue and sends them updates. The API holds one.
type Client struct {
	Temporal  client.Client
	TaskQueue string // default TaskQueue
	// UpdateTimeout bounds how long an update may wait for its answer
	// (DefaultUpdateTimeout when zero): a workflow no worker serves answers
	// EUnavailable (503, retry) instead of holding the request forever.
	UpdateTimeout time.Duration
}

// DefaultUpdateTimeout is how long an API call waits for a workflow's answer.
const DefaultUpdateTimeout = 15 * time.Second

var _ duban.Engine = (*Client)(nil)

func (c *Client) queue() string {
	if c.TaskQueue != "" {
		return c.TaskQueue
	}
	return TaskQueue
}

// Start starts the workflow; one already started with the id is used as is,
// so a retried request finds the first one.
func (c *Client) Start(ctx context.Context, id, name string, arg any) error {
	_, err := c.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: c.queue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, name, arg)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		slog.Warn("start workflow", "id", id, "err", err)
		return duban.Errorf(duban.EUnavailable, "the workflow service is unavailable; retry with the same Idempotency-Key")
	}
	return nil
}

// Update sends an update and waits for its answer. The update id is fresh
// for this call (never derived from client input) and stable across its
// retries: when the workflow task carrying it fails for a transient reason
// the server aborts the update with WorkflowNotReady and the worker retries
// the task, so the retry finds the update's outcome instead of applying it
// twice.
func (c *Client) Update(ctx context.Context, workflowID, name string, arg, out any) error {
	timeout := c.UpdateTimeout
	if timeout <= 0 {
		timeout = DefaultUpdateTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := newUpdateID(name)
	args := []any{arg}
	if arg == nil { // an update that takes no argument
		args = nil
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		var h client.WorkflowUpdateHandle
		h, err = c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflowID, UpdateName: name, UpdateID: id, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			if err = h.Get(ctx, out); err == nil {
				return nil
			}
			break
		}
		var notReady *serviceerror.WorkflowNotReady
		if !errors.As(err, &notReady) {
			break
		}
		select {
		case <-ctx.Done():
			return updateError(ctx.Err())
		case <-time.After(time.Duration(100*(attempt+1)) * time.Millisecond):
		}
	}
	return updateError(err)
}

// updateError maps an update's failure to the domain: the workflow's own
// rejection, a workflow no longer running, or an engine that did not answer.
func updateError(err error) error {
	if de := DomainError(err); de != nil {
		return de
	}
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	if errors.As(err, &nf) || (errors.As(err, &app) && app.Type() == "AcceptedUpdateCompletedWorkflow") {
		return duban.Errorf(duban.EConflict, "it is no longer running (finished or cancelled)")
	}
	slog.Warn("workflow update failed", "err", err)
	return duban.Errorf(duban.EUnavailable, "the workflow service did not answer; retry")
}

// Cancel requests cancellation of a running workflow.
func (c *Client) Cancel(ctx context.Context, workflowID string) error {
	return c.Temporal.CancelWorkflow(ctx, workflowID, "")
}

// Ping checks the Temporal frontend answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

func newUpdateID(name string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return name + "-" + hex.EncodeToString(b[:])
}
