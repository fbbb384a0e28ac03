package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban/activities"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

func (s *stack) countRows(q string) int {
	var n int
	if s.restarts { // PostgreSQL restarts under this stack: no pooled connections
		conn, err := pgx.Connect(context.Background(), s.db.AdminURL)
		require.NoError(s.t, err)
		defer conn.Close(context.Background())
		require.NoError(s.t, conn.QueryRow(context.Background(), q).Scan(&n))
		return n
	}
	require.NoError(s.t, s.admin().QueryRow(context.Background(), q).Scan(&n))
	return n
}

// admin is a pool of owner connections (row-level security does not apply),
// opened on first use and closed with the test.
func (s *stack) admin() *pgxpool.Pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.adminPool == nil {
		p, err := pgxpool.New(context.Background(), s.db.AdminURL)
		require.NoError(s.t, err)
		s.adminPool = p
		s.t.Cleanup(p.Close)
	}
	return s.adminPool
}

// TestDeadlinesAndCancel: 倒排工期 by the city, an audited extension, then
// cancelling the campaign cancels every assignment.
func TestDeadlinesAndCancel(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	due := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "开封专项", "scope": "41",
		"levels": []string{"city", "county"}, "targets": []string{"4102"}, "phases": map[string]string{"main": due}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	q := "/v1/assignments?campaign=" + id
	n := float64(len(s.app.Dir.Supervised("4102")))
	eventually(t, time.Minute, func() bool {
		return s.call("kaifeng-reviewer", "GET", q+"&level=county&limit=1", nil).Body["total"] == n
	}, "Kaifeng's counties")
	path := "/v1/campaigns/" + id + "/tenants/4102/child-deadline"
	later := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	require.Equal(t, 422, s.call("kaifeng-reviewer", "POST", path, map[string]any{"due_at": later}).Status, "never later than its own")
	require.Equal(t, 403, s.call("zhengzhou-reviewer", "POST", path, map[string]any{"due_at": time.Now().AddDate(0, 0, 10).Format("2006-01-02")}).Status)
	earlier := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
	tr := s.call("kaifeng-reviewer", "POST", path, map[string]any{"due_at": earlier})
	require.Equal(t, 200, tr.Status, string(tr.Raw))
	require.EqualValues(t, n, tr.Body["children"])
	eventually(t, time.Minute, func() bool {
		a := s.call("kaifeng-reviewer", "GET", "/v1/assignments/"+id+".410204", nil)
		return strings.HasPrefix(a.Body["due_at"].(string), time.Now().AddDate(0, 0, 10).Format("2006-01-02"))
	}, "county deadline tightened")
	// deadlines nest: never past the city's own due date (422 naming it)
	past := s.call("kaifeng-reviewer", "POST", "/v1/assignments/"+id+".410204/extend", map[string]any{"due_at": later, "reason": "汛期顺延"})
	require.Equal(t, 422, past.Status, string(past.Raw))
	require.Contains(t, string(past.Raw), id+".4102", "names the parent assignment")
	// an extension by the supervisor, with a reason, audited
	ext := s.call("kaifeng-reviewer", "POST", "/v1/assignments/"+id+".410204/extend", map[string]any{"due_at": due, "reason": "汛期顺延"})
	require.Equal(t, 200, ext.Status, string(ext.Raw))
	require.Equal(t, 422, s.call("kaifeng-reviewer", "POST", "/v1/assignments/"+id+".410204/extend", map[string]any{"due_at": earlier, "reason": "x"}).Status)
	require.Equal(t, 403, s.call("kaifeng-reviewer", "POST", "/v1/assignments/"+id+".4102/extend", map[string]any{"due_at": later, "reason": "x"}).Status, "a city cannot extend its own deadline")
	require.Equal(t, 1, s.countRows(`SELECT count(*) FROM audit_events WHERE action = 'assignment.extend_deadline'`))

	require.Equal(t, 403, s.call("kaifeng-reviewer", "POST", "/v1/campaigns/"+id+"/cancel", map[string]any{"reason": "x"}).Status)
	c := s.call("henan-planner", "POST", "/v1/campaigns/"+id+"/cancel", map[string]any{"reason": "部署调整"})
	require.Equal(t, 200, c.Status, string(c.Raw))
	require.Equal(t, "cancelled", c.Body["status"])
	require.Equal(t, "部署调整", c.Body["end_reason"])
	require.EqualValues(t, n+1, s.call("henan-planner", "GET", q+"&state=cancelled&limit=1", nil).Body["total"])
	require.Equal(t, 409, s.call("henan-planner", "POST", "/v1/campaigns/"+id+"/cancel", map[string]any{"reason": "again"}).Status)
	require.Equal(t, 409, s.call("kaifeng-reviewer", "POST", "/v1/assignments/"+id+".410204/extend", map[string]any{"due_at": later, "reason": "x"}).Status)
}

// TestNotificationsAndWebhooks: a submission notifies the reviewing city's
// inbox and its signed webhook; a failing webhook blocks nothing.
func TestNotificationsAndWebhooks(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer good.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()
	secret := "0123456789abcdef-secret"
	require.Equal(t, 201, s.call("henan-admin", "POST", "/v1/webhooks", map[string]any{"tenant": "4101", "url": good.URL, "secret": secret}).Status)
	require.Equal(t, 201, s.call("henan-admin", "POST", "/v1/webhooks", map[string]any{"tenant": "4101", "url": failing.URL, "secret": secret, "format": "dingtalk"}).Status)
	require.Equal(t, 403, s.call("henan-admin", "POST", "/v1/webhooks", map[string]any{"tenant": "42", "url": good.URL, "secret": secret}).Status)
	require.Equal(t, 422, s.call("henan-admin", "POST", "/v1/webhooks", map[string]any{"tenant": "4101", "url": "ftp://x", "secret": secret}).Status)
	wl := s.call("henan-admin", "GET", "/v1/webhooks?tenant=4101", nil)
	require.EqualValues(t, 2, wl.Body["total"])
	require.NotContains(t, string(wl.Raw), secret, "secrets are write-only")

	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "通知测试", "scope": "41", "levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status)
	aid := r.Body["id"].(string) + ".410122"
	eventually(t, time.Minute, func() bool { return s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "assignment")
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	eventually(t, time.Minute, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) > 0 }, "webhook delivery")
	mu.Lock()
	req, body := got[0], bodies[0]
	mu.Unlock()
	ts, err := strconv.ParseInt(req.Header.Get(activities.TimestampHeader), 10, 64)
	require.NoError(t, err)
	require.Equal(t, activities.Sign(secret, ts, body), req.Header.Get(activities.SignatureHeader))
	var payload map[string]any
	require.NoError(t, json.Unmarshal(body, &payload))
	require.Equal(t, "submitted", payload["kind"])
	// the failing webhook did not block the review
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "approve"})

	inbox := s.call("zhengzhou-reviewer", "GET", "/v1/notifications?unread=true", nil)
	require.Equal(t, 200, inbox.Status)
	require.EqualValues(t, 1, inbox.Body["total"])
	nid := inbox.Body["items"].([]any)[0].(map[string]any)["id"]
	require.Equal(t, 404, s.call("lankao-staff", "POST", "/v1/notifications/"+jsonNum(nid)+"/read", nil).Status, "another tenant's notification")
	require.Equal(t, 204, s.call("zhengzhou-reviewer", "POST", "/v1/notifications/"+jsonNum(nid)+"/read", nil).Status)
	require.EqualValues(t, 0, s.call("zhengzhou-reviewer", "GET", "/v1/notifications?unread=true", nil).Body["total"])
	eventually(t, time.Minute, func() bool {
		return s.call("zhongmu-staff", "GET", "/v1/notifications", nil).Body["total"] == float64(1)
	}, "approval notice to the county")
}

func jsonNum(v any) string { b, _ := json.Marshal(v); return string(b) }
