package main

import (
	"net/http"
	"time"

	"github.com/duban/duban/activities"
	"github.com/duban/duban/workflows"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// worker builds the Temporal worker with every workflow and activity.
func (c *core) worker() (worker.Worker, error) {
	w := worker.New(c.Temporal, c.TaskQueue, worker.Options{MaxConcurrentWorkflowTaskPollers: 8, MaxConcurrentActivityTaskPollers: 8})
	registerAll(w, &activities.Activities{DB: c.DB, Dir: c.Dir, HTTP: &http.Client{Timeout: 10 * time.Second}})
	return w, nil
}

// registerAll registers Duban's workflows and activities on w.
func registerAll(w worker.Registry, a *activities.Activities) {
	w.RegisterWorkflowWithOptions(workflows.CampaignNode, workflow.RegisterOptions{Name: workflows.WorkflowName})
	w.RegisterWorkflowWithOptions(workflows.HazardFlow, workflow.RegisterOptions{Name: workflows.HazardWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.AccidentFlow, workflow.RegisterOptions{Name: workflows.AccidentWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.CadenceFlow, workflow.RegisterOptions{Name: workflows.CadenceWorkflowName})
	w.RegisterActivity(a)
}
