package e2e

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var report = map[string]any{"completed": 12, "hazards_found": 5, "hazards_rectified": 4, "status": "on_track", "summary": "已部署并完成排查"}

// TestHenanCampaignEndToEnd is the acceptance run on the real dev server and
// PostgreSQL: a Henan campaign for cities and counties creates 17 city and
// 181 county assignments with the right reviewers; Zhongmu submits, the city
// returns it, Zhongmu resubmits, the city approves, the province signs off;
// once every county is approved the cities submit their summaries, the
// province approves and signs everything off, and the campaign completes.
// The read model is checked at each step.
func TestHenanCampaignEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	body := map[string]any{"template": "generic", "title": "2026年安全生产督办", "scope": "41", "levels": []string{"city", "county"}}

	r := s.call("henan-planner", "POST", "/v1/campaigns", body, "Idempotency-Key", "launch-1")
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	// retries with the same key create nothing new; another body with it is refused
	again := s.call("henan-planner", "POST", "/v1/campaigns", body, "Idempotency-Key", "launch-1")
	require.Equal(t, 201, again.Status)
	require.Equal(t, id, again.Body["id"])
	other := map[string]any{"template": "generic", "title": "另一个", "scope": "41"}
	require.Equal(t, 422, s.call("henan-planner", "POST", "/v1/campaigns", other, "Idempotency-Key", "launch-1").Status)
	list := s.call("henan-planner", "GET", "/v1/campaigns", nil)
	require.EqualValues(t, 1, list.Body["total"])
	// Hubei's planner cannot launch in Henan, nor see this campaign
	require.Equal(t, 403, s.call("hubei-planner", "POST", "/v1/campaigns", body).Status)
	require.Equal(t, 404, s.call("hubei-planner", "GET", "/v1/campaigns/"+id, nil).Status)

	q := "/v1/assignments?campaign=" + id
	eventually(t, 2*time.Minute, func() bool {
		return s.call("henan-planner", "GET", q+"&level=county&limit=1", nil).Body["total"] == float64(181)
	}, "181 county assignments")
	require.EqualValues(t, 17, s.call("henan-planner", "GET", q+"&level=city&limit=1", nil).Body["total"])
	require.EqualValues(t, 198, s.call("henan-planner", "GET", q+"&limit=1", nil).Body["total"])
	lankao := s.call("henan-planner", "GET", "/v1/assignments/"+id+".410225", nil)
	require.Equal(t, 200, lankao.Status)
	require.Equal(t, "41", lankao.Body["reviewer_tenant"], "Lankao is reviewed by the province")
	zhongmuID := id + ".410122"
	zm := s.call("zhongmu-staff", "GET", "/v1/assignments/"+zhongmuID, nil)
	require.Equal(t, "4101", zm.Body["reviewer_tenant"])
	require.Equal(t, "assigned", zm.Body["state"])
	for _, k := range []string{"id", "tenant", "state", "due_at", "reviewer_tenant"} {
		require.Contains(t, zm.Body, k)
	}
	mine := s.call("zhongmu-staff", "GET", "/v1/assignments?mine=true", nil)
	require.EqualValues(t, 1, mine.Body["total"])
	require.Equal(t, 422, s.call("zhongmu-staff", "GET", "/v1/assignments?mine=true&cursor=eA", nil).Status, "an id cursor in the due-ordered inbox")
	// latest due first (order=-due, work done): one due time here, so by id backwards, page after page
	var ids []string
	for cursor := ""; len(ids) < 6; {
		pg := s.call("henan-planner", "GET", q+"&level=city&order=-due&limit=3"+cursor, nil)
		require.Equal(t, 200, pg.Status, string(pg.Raw))
		require.EqualValues(t, 17, pg.Body["total"])
		for _, it := range pg.Body["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		cursor = "&cursor=" + pg.Body["next_cursor"].(string)
	}
	require.Len(t, ids, 6)
	for i := 1; i < len(ids); i++ {
		require.Greater(t, ids[i-1], ids[i], "latest first, then by id backwards, none twice: %v", ids)
	}
	require.Equal(t, id+".4117", ids[0], "the last city by id comes first")
	require.Equal(t, 422, s.call("henan-planner", "GET", q+"&order=-due&cursor=eA", nil).Status, "an id cursor in due-time order")
	require.Equal(t, 404, s.call("lankao-staff", "GET", "/v1/assignments/"+zhongmuID, nil).Status, "another county's assignment is invisible")
	require.Equal(t, 404, s.call("hubei-planner", "GET", "/v1/assignments/"+zhongmuID, nil).Status)

	// Zhongmu: a bad report names each bad field; a good one is submitted
	bad := s.call("zhongmu-staff", "POST", "/v1/assignments/"+zhongmuID+"/submit", map[string]any{"report": map[string]any{"completed": -1, "status": "maybe"}})
	require.Equal(t, 422, bad.Status, string(bad.Raw))
	require.Contains(t, string(bad.Raw), "body.report.completed")
	require.Contains(t, string(bad.Raw), "body.report.status")
	require.Contains(t, string(bad.Raw), "body.report.summary")
	require.Equal(t, 404, s.call("lankao-staff", "POST", "/v1/assignments/"+zhongmuID+"/submit", map[string]any{"report": report}).Status)
	sub := s.call("zhongmu-staff", "POST", "/v1/assignments/"+zhongmuID+"/submit", map[string]any{"report": report})
	require.Equal(t, 200, sub.Status, string(sub.Raw))
	require.Equal(t, "submitted", sub.Body["state"])
	require.Equal(t, "submitted", s.call("zhongmu-staff", "GET", "/v1/assignments/"+zhongmuID, nil).Body["state"], "a read right after sees it")
	require.Equal(t, 409, s.call("zhongmu-staff", "POST", "/v1/assignments/"+zhongmuID+"/submit", map[string]any{"report": report}).Status)
	// staff cannot review; Kaifeng cannot review Zhengzhou's county
	require.Equal(t, 403, s.call("zhongmu-staff", "POST", "/v1/assignments/"+zhongmuID+"/review", map[string]any{"decision": "approve"}).Status)
	require.Equal(t, 404, s.call("kaifeng-reviewer", "POST", "/v1/assignments/"+zhongmuID+"/review", map[string]any{"decision": "approve"}).Status)
	// the city returns, Zhongmu resubmits, the city approves, the province signs off
	ret := s.call("zhengzhou-reviewer", "POST", "/v1/assignments/"+zhongmuID+"/review", map[string]any{"decision": "return", "comment": "隐患整改数据不全", "rework_due": time.Now().Add(72 * time.Hour).Format(time.RFC3339)})
	require.Equal(t, 200, ret.Status, string(ret.Raw))
	require.Equal(t, "returned", ret.Body["state"])
	require.Equal(t, 200, s.call("zhongmu-staff", "POST", "/v1/assignments/"+zhongmuID+"/submit", map[string]any{"report": report}).Status)
	require.Equal(t, "approved", s.call("zhengzhou-reviewer", "POST", "/v1/assignments/"+zhongmuID+"/review", map[string]any{"decision": "approve", "comment": "同意"}).Body["state"])
	require.Equal(t, 403, s.call("zhengzhou-reviewer", "POST", "/v1/assignments/"+zhongmuID+"/sign-off", map[string]any{}).Status, "the city does not sign off its own county")
	so := s.call("henan-planner", "POST", "/v1/assignments/"+zhongmuID+"/sign-off", map[string]any{})
	require.Equal(t, 200, so.Status, string(so.Raw))
	require.Equal(t, "signed_off", so.Body["state"])
	detail := s.call("henan-planner", "GET", "/v1/assignments/"+zhongmuID, nil)
	var actions []string
	for _, h := range detail.Body["history"].([]any) {
		actions = append(actions, h.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{"assign", "submit", "return", "submit", "approve", "sign_off"}, actions)
	// the city summary waits for all its counties
	sum := s.call("zhengzhou-reviewer", "POST", "/v1/assignments/"+id+".4101/submit", map[string]any{"report": report})
	require.Equal(t, 409, sum.Status, string(sum.Raw))

	// the rest of Henan, eight at a time: counties submit and are approved
	counties := s.listIDs("henan-planner", q+"&level=county&state=assigned")
	require.Len(t, counties, 180)
	s.parallel(counties, func(aid, tenant, reviewerTenant string) {
		s.expect(200, s.staffOf(tenant), "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
		s.expect(200, s.reviewerAt(reviewerTenant), "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "approve"})
	})
	prog := s.call("henan-planner", "GET", "/v1/campaigns/"+id+"/progress", nil)
	require.Equal(t, 200, prog.Status, string(prog.Raw))
	top := prog.Body["tenant"].(map[string]any)
	require.EqualValues(t, 198, top["total"])
	require.EqualValues(t, 180, top["approved"])
	require.EqualValues(t, 1, top["signed_off"])
	require.EqualValues(t, 17, top["assigned"])
	require.EqualValues(t, 0, top["overdue"])
	zz := s.call("zhengzhou-reviewer", "GET", "/v1/campaigns/"+id+"/progress?tenant=4101", nil)
	require.Equal(t, 200, zz.Status)
	require.Equal(t, 403, s.call("zhengzhou-reviewer", "GET", "/v1/campaigns/"+id+"/progress?tenant=4102", nil).Status)

	// cities submit summaries; the province approves and signs everything off
	cities := s.listIDs("henan-planner", q+"&level=city")
	require.Len(t, cities, 17)
	s.parallel(cities, func(aid, tenant, _ string) {
		s.expect(200, s.reviewerAt(tenant), "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
		s.expect(200, "henan-planner", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "approve"})
		s.expect(200, "henan-planner", "POST", "/v1/assignments/"+aid+"/sign-off", map[string]any{})
	})
	s.parallel(s.listIDs("henan-planner", q+"&state=approved"), func(aid, _, _ string) {
		s.expect(200, "henan-planner", "POST", "/v1/assignments/"+aid+"/sign-off", map[string]any{})
	})
	eventually(t, 2*time.Minute, func() bool {
		return s.call("henan-planner", "GET", "/v1/campaigns/"+id, nil).Body["status"] == "completed"
	}, "campaign completes")
	require.EqualValues(t, 198, s.call("henan-planner", "GET", q+"&state=signed_off&limit=1", nil).Body["total"])
	v := s.call("nation-admin", "GET", "/v1/audit/verify", nil)
	require.Equal(t, true, v.Body["ok"], string(v.Raw))
	// notifications reached the inboxes: the city was told of Zhongmu's submission
	n := s.call("zhengzhou-reviewer", "GET", "/v1/notifications?limit=500", nil)
	require.Equal(t, 200, n.Status)
	require.Greater(t, n.Body["total"], float64(0))
}

// listIDs returns id, tenant and reviewer of every assignment a query lists.
func (s *stack) listIDs(login, q string) [][3]string {
	var out [][3]string
	path := q + "&limit=500"
	for {
		r := s.call(login, "GET", path, nil)
		require.Equal(s.t, 200, r.Status, string(r.Raw))
		for _, it := range r.Body["items"].([]any) {
			m := it.(map[string]any)
			out = append(out, [3]string{m["id"].(string), m["tenant"].(string), m["reviewer_tenant"].(string)})
		}
		next, _ := r.Body["next_cursor"].(string)
		if next == "" {
			return out
		}
		path = q + "&limit=500&cursor=" + url.QueryEscape(next)
	}
}

func (s *stack) parallel(items [][3]string, fn func(id, tenant, reviewer string)) {
	var wg sync.WaitGroup
	ch := make(chan [3]string)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				fn(it[0], it[1], it[2])
			}
		}()
	}
	for _, it := range items {
		ch <- it
	}
	close(ch)
	wg.Wait()
}

// expect calls and checks the status (safe from several goroutines).
func (s *stack) expect(status int, login, method, path string, body any) {
	if r := s.call(login, method, path, body); r.Status != status {
		s.t.Errorf("%s %s as %s: status %d, want %d: %s", method, path, login, r.Status, status, r.Raw)
	}
}

// staffOf returns a login acting for a county: a staff user created on demand.
func (s *stack) staffOf(tenant string) string { return s.persona("staff", tenant) }

// reviewerAt returns a reviewer login at tenant, created on demand.
func (s *stack) reviewerAt(tenant string) string {
	if tenant == "41" {
		return "henan-planner"
	}
	return s.persona("reviewer", tenant)
}

var personaMu sync.Mutex

func (s *stack) persona(role, tenant string) string {
	personaMu.Lock()
	defer personaMu.Unlock()
	login := fmt.Sprintf("%s-%s", role, tenant)
	if s.made[login] {
		return login
	}
	r := s.call("henan-admin", "POST", "/v1/users", map[string]any{"login": login, "name": login, "tenant": tenant})
	require.True(s.t, r.Status == 201 || r.Status == 409, string(r.Raw))
	r = s.call("henan-admin", "POST", "/v1/role-bindings", map[string]any{"user": login, "role": role, "tenant": tenant})
	require.True(s.t, r.Status == 201 || r.Status == 409, string(r.Raw))
	s.made[login] = true
	return login
}

// letterReport is a signed responsibility letter with its targets in figures.
var letterReport = map[string]any{"targets_accepted": map[string]any{"accident_control": true, "hazard_rectification": true, "dual_prevention": true, "emergency_response": true},
	"signatory": "王五（县长）", "signed_on": "2026-02-01", "max_accidents": 2, "max_deaths": 1, "reduce_percent": 10, "on_time_min": 90, "hazards_on_time_min": 80}
