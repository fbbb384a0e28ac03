package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/app"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTraceOfOneSubmit: one submit is one trace, from the HTTP request
// through the Temporal client's update, the workflow's update handler and
// the projection's local activity, down to the PostgreSQL write.
func TestTraceOfOneSubmit(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	s := newStackWith(t, false, func(c *app.Config) { c.Tracer = tp })

	id := s.launchHouse("郑州房屋安全排查", []string{"county"}, []string{"410122"})
	aid := id + ".410122"
	s.waitAssignment(aid)
	r := s.call("zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": map[string]any{
		"buildings_surveyed": 10, "self_built_business": 1, "public_buildings": 1, "hazards_found": 1, "hazards_rectified": 1, "summary": "完成"}})
	require.Equal(t, 200, r.Status, string(r.Raw))

	var root sdktrace.ReadOnlySpan
	var trace []tracetest.SpanStub
	eventually(t, 30*time.Second, func() bool { // the projection's spans end after the reply; slow under a loaded machine
		spans := exp.GetSpans()
		for _, sp := range spans {
			if sp.Name == "POST submit-assignment" {
				root = sp.Snapshot()
			}
		}
		if root == nil {
			return false
		}
		trace = trace[:0]
		for _, sp := range spans {
			if sp.SpanContext.TraceID() == root.SpanContext().TraceID() {
				trace = append(trace, sp)
			}
		}
		return hasSpan(trace, "pg upsert_assignment")
	}, "the submit's trace reaches the PostgreSQL write")
	byID := map[string]tracetest.SpanStub{}
	for _, sp := range trace {
		byID[sp.SpanContext.SpanID().String()] = sp
	}
	// the write's ancestry, up to the HTTP request
	var chain []string
	for sp, ok := find(trace, "pg upsert_assignment"); ok; sp, ok = byID[sp.Parent.SpanID().String()] {
		chain = append(chain, sp.Name)
	}
	got := strings.Join(chain, " ← ")
	t.Logf("the write's ancestry: %s", got)
	for _, want := range []string{"pg upsert_assignment", "RunActivity:ProjectAssignment", "HandleUpdate:submit", "UpdateWorkflow:submit", "POST submit-assignment"} {
		require.Contains(t, got, want, "the span tree: %s", got)
	}
	require.Equal(t, "POST submit-assignment", chain[len(chain)-1], "the HTTP request is the root: %s", got)
}

func hasSpan(spans []tracetest.SpanStub, name string) bool { _, ok := find(spans, name); return ok }

func find(spans []tracetest.SpanStub, name string) (tracetest.SpanStub, bool) {
	for _, sp := range spans {
		if sp.Name == name {
			return sp, true
		}
	}
	return tracetest.SpanStub{}, false
}
