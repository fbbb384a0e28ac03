package main

import (
	"go.temporal.io/sdk/worker"
)

// TaskQueue is the one task queue Duban's workflows and activities use.
const TaskQueue = "duban"

// worker builds the Temporal worker with every workflow and activity; nil
// while nothing is registered.
func (c *core) worker() (worker.Worker, error) {
	w := worker.New(c.Temporal, TaskQueue, worker.Options{})
	if registerAll(w, c) == 0 {
		return nil, nil
	}
	return w, nil
}

// registerAll registers Duban's workflows and activities and returns how
// many it registered.
func registerAll(w worker.Worker, c *core) int {
	return 0
}
