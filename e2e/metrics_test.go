package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestAdminListenerMetricsAndRequestLogs: the admin listener serves
// Prometheus text with the HTTP series by operation and status, the
// Temporal SDK's series, the pool's and the business gauges per province;
// every API request is one JSON log line with no token in it.
func TestAdminListenerMetricsAndRequestLogs(t *testing.T) {
	logs := &lockedBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	s := startStack(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var addr string
	require.NoError(t, s.app.StartAdmin(ctx, "127.0.0.1:0", func(a string) { addr = a }))

	id := s.launchHouse("郑州房屋安全排查", []string{"city", "county"}, []string{"4101"})
	s.waitAssignment(id + ".410122")
	require.Equal(t, 404, s.call("zhongmu-staff", "GET", "/v1/tenants/999999", nil, "X-Request-Id", "probe-404").Status)
	h := s.call("zhongmu-staff", "POST", "/v1/hazards", hazardBody("410122"))
	require.Equal(t, 201, h.Status, string(h.Raw))
	a := s.call("zhongmu-staff", "POST", "/v1/accidents", accidentBody("410122", 0))
	require.Equal(t, 201, a.Status, string(a.Raw))
	// the states the gauges count, set directly: a hazard past its deadline, a late report, a failing webhook
	_, err := s.admin().Exec(ctx, `UPDATE hazards SET overdue = true`)
	require.NoError(t, err)
	_, err = s.admin().Exec(ctx, `UPDATE accidents SET late = true`)
	require.NoError(t, err)
	wh := s.call("henan-admin", "POST", "/v1/webhooks", map[string]any{"tenant": "41", "url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef0123"})
	require.Equal(t, 201, wh.Status, string(wh.Raw))
	_, err = s.admin().Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, notification_id, tenant_path, status)
		SELECT w.id, n.id, w.tenant_path, 0 FROM webhooks w, notifications n LIMIT 1`)
	require.NoError(t, err)

	var text string
	eventually(t, 30*time.Second, func() bool {
		r, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		text = string(b)
		return strings.Contains(text, `duban_assignments{`) && strings.Contains(text, "duban_hazards_overdue") && strings.Contains(text, "duban_audit_chain_broken")
	}, "business gauges on /metrics")
	for _, want := range []string{
		`duban_http_requests_total{method="POST",operation="launch-campaign",status="201"} 1`,
		`duban_http_requests_total{method="GET",operation="get-tenant",status="404"} 1`,
		`duban_http_request_duration_seconds_bucket{method="POST",operation="report-hazard",le=`,
		`duban_assignments{escalation_level="0",province="41",state="assigned"}`,
		`duban_hazards_overdue{province="41"} 1`,
		`duban_accident_reports_late{province="41"} 1`,
		`duban_webhooks_failing{province="41"} 1`,
		`duban_db_pool_connections_total`,
		`duban_audit_chain_broken{tenant=""} 0`,
		`temporal_request`,
		`temporal_workflow_task_execution_latency_bucket`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	r, err := http.Get("http://" + addr + "/livez")
	require.NoError(t, err)
	require.Equal(t, 200, r.StatusCode)
	r.Body.Close()

	// the request log: one JSON line per API request, no token
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"request_id":"probe-404"`) {
			require.NoError(t, json.Unmarshal([]byte(l), &line))
		}
	}
	require.NotNil(t, line, "the 404 request was logged")
	require.Equal(t, "get-tenant", line["operation"])
	require.EqualValues(t, 404, line["status"])
	require.Equal(t, "zhongmu-staff", line["user"])
	require.Equal(t, "410122", line["tenant"])
	require.NotContains(t, logs.String(), "Bearer ")
	require.NotContains(t, logs.String(), "eyJ", "no token in the logs")
}
