package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/stretchr/testify/require"
)

// idleEngine is a duban.Engine for tests that must never reach the
// workflows: every call fails the test.
type idleEngine struct{ t *testing.T }

func (e idleEngine) Start(ctx context.Context, id, name string, arg any) error {
	e.t.Errorf("a workflow was started: %s", id)
	return duban.Errorf(duban.EUnavailable, "no engine in this test")
}
func (e idleEngine) Update(ctx context.Context, id, name string, arg, out any) error {
	e.t.Errorf("a workflow update was sent: %s %s", id, name)
	return duban.Errorf(duban.EUnavailable, "no engine in this test")
}
func (e idleEngine) Cancel(ctx context.Context, id string) error {
	e.t.Errorf("a workflow was cancelled: %s", id)
	return nil
}
func (e idleEngine) Ping(context.Context) error { return nil }

// withIdleEngine offers the workflow-backed operations with an engine that
// must not be reached: for validation and authorization tests.
func withIdleEngine(t *testing.T) func(s *api.Server, signer *api.DevSigner) {
	return func(s *api.Server, _ *api.DevSigner) { s.Engine = idleEngine{t} }
}

type result struct {
	Status int
	Body   map[string]any
	Raw    []byte
}

// call is do with the raw answer too.
func (h *harness) call(login, method, path string, body any) result {
	h.t.Helper()
	code, out := h.do(method, path, login, body)
	raw, _ := json.Marshal(out)
	return result{Status: code, Body: out, Raw: raw}
}

// TestLaunchValidation: every bad launch is a 422 naming the field (or
// 403/401), and nothing is written or started.
func TestLaunchValidation(t *testing.T) {
	t.Parallel()
	h := setupWith(t, withIdleEngine(t))
	tpl := h.call("zhongmu-staff", "GET", "/v1/campaign-templates", nil)
	require.Equal(t, 200, tpl.Status)
	var ids []string
	for _, it := range tpl.Body["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	require.Equal(t, []string{"dual-prevention", "fireworks-holiday", "generic", "house-survey", "rectification-3y", "responsibility-letter"}, ids)
	past := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"template": "nope", "title": "x", "scope": "41"}, "body.template"},
		{map[string]any{"template": "rectification-3y", "title": "x", "scope": "41", "options": map[string]any{"focus_areas": []string{"karaoke"}}}, "body.options.focus_areas[0]"},
		{map[string]any{"template": "dual-prevention", "title": "x", "scope": "41", "options": map[string]any{"targets": map[string]any{"coverage": 1.5}}}, "body.options.targets.coverage"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "options": map[string]any{"targets": map[string]any{"coverage": 0.5}}}, "body.options.targets.coverage"},
		{map[string]any{"template": "generic", "title": "x", "scope": "99"}, "body.scope"},
		{map[string]any{"template": "generic", "title": "   ", "scope": "41"}, "body.title"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "levels": []string{"province"}}, "body.levels[0]"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "levels": []string{"town"}}, "body.levels[0]"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "phases": map[string]string{"main": past}}, "body.phases.main"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "phases": map[string]string{"main": "next week"}}, "body.phases.main"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "phases": map[string]string{"other": "2099-01-01"}}, "body.phases"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "targets": []string{"4201"}}, "body.targets[0]"},
		{map[string]any{"template": "generic", "title": "x", "scope": "41", "extra": true}, "body.extra"},
	}
	for _, c := range cases {
		r := h.call("henan-planner", "POST", "/v1/campaigns", c.body)
		require.Equal(t, 422, r.Status, "%v: %s", c.body, r.Raw)
		require.Contains(t, string(r.Raw), c.field, "%v", c.body)
	}
	require.Equal(t, 403, h.call("zhengzhou-reviewer", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "x", "scope": "41"}).Status)
	require.Equal(t, 401, h.call("", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "x", "scope": "41"}).Status)
	require.Zero(t, h.count("campaigns"))
}

// TestCalendarAPI: the working-day calendar with statutory holidays, make-up
// days and a national administrator's override.
func TestCalendarAPI(t *testing.T) {
	t.Parallel()
	h := setupWith(t, withIdleEngine(t))
	r := h.call("zhongmu-staff", "GET", "/v1/calendar/days?from=2026-09-28&to=2026-10-11", nil)
	require.Equal(t, 200, r.Status, string(r.Raw))
	days := map[string]bool{}
	for _, it := range r.Body["items"].([]any) {
		m := it.(map[string]any)
		days[m["date"].(string)] = m["workday"].(bool)
	}
	require.False(t, days["2026-10-01"])
	require.True(t, days["2026-10-10"], "make-up working day")
	require.True(t, days["2026-09-30"])
	require.Equal(t, 422, h.call("zhongmu-staff", "GET", "/v1/calendar/days?from=2026-10-11&to=2026-09-28", nil).Status)
	require.Equal(t, 403, h.call("henan-admin", "PUT", "/v1/calendar/days/2027-01-04", map[string]any{"workday": false, "note": "x"}).Status)
	require.Equal(t, 200, h.call("nation-admin", "PUT", "/v1/calendar/days/2027-01-04", map[string]any{"workday": false, "note": "国务院办公厅通知"}).Status)
	r = h.call("zhongmu-staff", "GET", "/v1/calendar/days?from=2027-01-04&to=2027-01-04", nil)
	it := r.Body["items"].([]any)[0].(map[string]any)
	require.Equal(t, false, it["workday"])
	require.Equal(t, true, it["override"])
	require.Equal(t, 422, h.call("nation-admin", "PUT", "/v1/calendar/days/2027-02-30", map[string]any{"workday": false, "note": "x"}).Status)
}
