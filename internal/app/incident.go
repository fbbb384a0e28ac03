package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/duban/duban"
	"go.temporal.io/sdk/client"
)

// A workflow task that fails is retried by Temporal until the code or the
// input changes: left alone it is a silent loop, and the workflow stands
// still. incidents turns every such failure into an incident: an ERROR log
// line and a notice in the national root's inbox (系统告警), one per
// workflow type and failure reason per hour. It is the worker's Temporal
// metrics handler behind the Prometheus one (metrics.Registry.Temporal), which
// passes every call on; it acts on failed workflow tasks only.
type incidents struct {
	tags   map[string]string
	report func(tags map[string]string)
}

// workflowTaskFailed is the SDK's counter of failed workflow tasks.
const workflowTaskFailed = "temporal_workflow_task_execution_failed"

func newIncidents(store duban.NotificationStore) client.MetricsHandler {
	return incidents{report: func(tags map[string]string) {
		slog.Error("incident: a workflow task failed and is being retried", "workflow_type", tags["workflow_type"],
			"reason", tags["failure_reason"], "task_queue", tags["task_queue"])
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			now := time.Now().UTC()
			key := fmt.Sprintf("incident/%s/%s/%s", tags["workflow_type"], tags["failure_reason"], now.Format("2006010215"))
			_, err := store.InsertNotifications(ctx, []duban.NewNotification{{DedupeKey: key, Tenant: duban.RootCode, Kind: "incident",
				Title: duban.Text{ZH: fmt.Sprintf("系统告警：%s 工作流任务失败（%s），正在重试", tags["workflow_type"], tags["failure_reason"]),
					EN: fmt.Sprintf("Incident: %s workflow tasks fail (%s) and are being retried", tags["workflow_type"], tags["failure_reason"])},
				Body: map[string]any{"workflow_type": tags["workflow_type"], "reason": tags["failure_reason"], "task_queue": tags["task_queue"]}, At: now}})
			if err != nil {
				slog.Error("record an incident", "err", err)
			}
		}()
	}}
}

// WithTags returns the handler with tags added.
func (h incidents) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	return incidents{tags: merged, report: h.report}
}

// Counter reports failed workflow tasks; other counters are dropped.
func (h incidents) Counter(name string) client.MetricsCounter {
	if name == workflowTaskFailed {
		return incidentCounter(h)
	}
	return client.MetricsNopHandler.Counter(name)
}

// Gauge is dropped.
func (h incidents) Gauge(name string) client.MetricsGauge {
	return client.MetricsNopHandler.Gauge(name)
}

// Timer is dropped.
func (h incidents) Timer(name string) client.MetricsTimer {
	return client.MetricsNopHandler.Timer(name)
}

type incidentCounter incidents

func (c incidentCounter) Inc(n int64) {
	if n > 0 {
		c.report(c.tags)
	}
}
