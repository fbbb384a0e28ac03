package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/stretchr/testify/require"
)

// TestHazardsThroughTheAPI: a major hazard reported by county staff is
// listed with the province; it cannot be rectified without its plan nor
// verified by its reporter; it is re-opened, rectified again and closed by
// a reviewer; others' hazards are 404; bad input is a 422 that writes nothing.
func TestHazardsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	deadline := time.Now().AddDate(0, 0, 20).Format("2006-01-02")
	body := map[string]any{"tenant": "410122", "place": "中牟县某商业综合体", "description": "自建房违规改变用途用于经营", "grade": "major",
		"found_by": "cross_region", "responsible_unit": "某餐饮公司", "deadline": deadline, "photos": []string{"att_photo01"}}
	before := s.writes()
	for _, bad := range []struct {
		field string
		value any
	}{{"grade", "huge"}, {"found_by", "rumour"}, {"deadline", "2020-01-01"}, {"deadline", "tomorrow"}, {"tenant", "999999"}, {"photos", []string{"http://x"}}, {"place", "   "}} {
		b := map[string]any{}
		for k, v := range body {
			b[k] = v
		}
		b[bad.field] = bad.value
		r := s.call("zhongmu-staff", "POST", "/v1/hazards", b)
		require.Equal(t, 422, r.Status, "%s=%v: %s", bad.field, bad.value, r.Raw)
		require.Contains(t, string(r.Raw), "body."+bad.field)
	}
	require.Equal(t, before, s.writes(), "rejected reports wrote nothing")
	r := s.call("lankao-staff", "POST", "/v1/hazards", body)
	require.Equal(t, 403, r.Status, "staff report only at their own tenant")

	r = s.call("zhongmu-staff", "POST", "/v1/hazards", body, "Idempotency-Key", "hz-1")
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	require.Equal(t, true, r.Body["listed"])
	require.Equal(t, "41", r.Body["listed_by"])
	again := s.call("zhongmu-staff", "POST", "/v1/hazards", body, "Idempotency-Key", "hz-1")
	require.Equal(t, id, again.Body["id"], "a retry returns the first hazard")
	require.Equal(t, 1, s.countRows(`SELECT count(*) FROM hazards`))

	// object-level: invisible outside the subtree
	require.Equal(t, 404, s.call("kaifeng-reviewer", "GET", "/v1/hazards/"+id, nil).Status)
	require.Equal(t, 404, s.call("hubei-planner", "GET", "/v1/hazards/"+id, nil).Status)
	require.Equal(t, 404, s.call("lankao-staff", "POST", "/v1/hazards/"+id+"/rectify", map[string]any{"rectification": "x"}).Status)
	require.Equal(t, 200, s.call("henan-planner", "GET", "/v1/hazards/"+id, nil).Status)
	list := s.call("zhengzhou-reviewer", "GET", "/v1/hazards?grade=major&listed=true&state=open", nil)
	require.Equal(t, float64(1), list.Body["total"], string(list.Raw))
	require.Equal(t, float64(0), s.call("zhengzhou-reviewer", "GET", "/v1/hazards?state=closed", nil).Body["total"])

	r = s.call("zhongmu-staff", "POST", "/v1/hazards/"+id+"/rectify", map[string]any{"rectification": "已停止经营"})
	require.Equal(t, 422, r.Status, string(r.Raw))
	time.Sleep(2 * time.Second)
	require.Contains(t, string(r.Raw), "body.plan.emergency_plan")
	plan := map[string]any{"measures": "拆除违规隔断，恢复住宅用途", "funds_cny": 300000, "deadline": deadline, "responsible_person": "李四", "emergency_plan": "人员疏散预案"}
	r = s.call("zhongmu-staff", "POST", "/v1/hazards/"+id+"/rectify", map[string]any{"rectification": "已停止经营", "plan": plan})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "rectified", r.Body["state"])

	// the reporter may not verify, even holding the reviewer role
	s.expect(201, "henan-admin", "POST", "/v1/role-bindings", map[string]any{"user": "zhongmu-staff", "role": "reviewer", "tenant": "410122"})
	eventually(t, 10*time.Second, func() bool {
		r = s.call("zhongmu-staff", "POST", "/v1/hazards/"+id+"/verify", map[string]any{"passed": true})
		return r.Status == 403
	}, "the reporter is refused")
	require.Contains(t, string(r.Raw), "other than the reporter")

	r = s.call("zhengzhou-reviewer", "POST", "/v1/hazards/"+id+"/verify", map[string]any{"passed": false})
	require.Equal(t, 422, r.Status, "a failed re-inspection needs a new deadline")
	r = s.call("zhengzhou-reviewer", "POST", "/v1/hazards/"+id+"/verify", map[string]any{"passed": false, "comment": "仍在经营", "new_deadline": time.Now().AddDate(0, 1, 0).Format("2006-01-02")})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "open", r.Body["state"])
	require.Equal(t, float64(1), r.Body["reopens"])
	s.expect(409, "zhengzhou-reviewer", "POST", "/v1/hazards/"+id+"/verify", map[string]any{"passed": true})
	s.expect(200, "zhongmu-staff", "POST", "/v1/hazards/"+id+"/rectify", map[string]any{"rectification": "已搬离"})
	r = s.call("zhengzhou-reviewer", "POST", "/v1/hazards/"+id+"/verify", map[string]any{"passed": true, "comment": "复查合格"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "closed", r.Body["state"])
	s.expect(409, "zhongmu-staff", "POST", "/v1/hazards/"+id+"/rectify", map[string]any{"rectification": "x"})

	d := s.call("henan-planner", "GET", "/v1/hazards/"+id, nil)
	var actions []string
	for _, e := range d.Body["history"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{"report", "rectify", "reopen", "rectify", "close"}, actions)
	require.Equal(t, 5, s.countRows(`SELECT count(*) FROM audit_events WHERE action LIKE 'hazard.%' AND outcome = 'ok'`))
	eventually(t, 10*time.Second, func() bool {
		return s.countRows(`SELECT count(*) FROM notifications WHERE kind = 'hazard.listed' AND tenant = '41'`) == 1
	}, "the province is told of the listed hazard")
}

// TestAccidentsThroughTheAPI: the contract body grades and routes; forwards
// travel up to the required level; another province cannot see it; bad
// figures are 422; statistics give year-on-year changes.
func TestAccidentsThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	occurred := time.Now().Add(-40 * time.Minute).UTC().Format(time.RFC3339)
	body := map[string]any{"tenant": "410122", "occurred_at": occurred, "place": "中牟县某建筑工地", "summary": "塔吊倒塌",
		"deaths": 3, "serious_injuries": 0, "direct_loss_cny": 0}
	before := s.writes()
	for field, v := range map[string]any{"deaths": -1, "serious_injuries": 1e9, "occurred_at": time.Now().Add(time.Hour).Format(time.RFC3339), "tenant": "999999"} {
		b := map[string]any{}
		for k, x := range body {
			b[k] = x
		}
		b[field] = v
		r := s.call("zhongmu-staff", "POST", "/v1/accidents", b)
		require.Equal(t, 422, r.Status, "%s: %s", field, r.Raw)
		require.Contains(t, string(r.Raw), "body."+field)
	}
	require.Equal(t, before, s.writes())

	r := s.call("zhongmu-staff", "POST", "/v1/accidents", body)
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	require.Equal(t, "larger", r.Body["grade"])
	require.Equal(t, "province", r.Body["required_level"])
	require.Equal(t, false, r.Body["late"])
	require.Equal(t, 404, s.call("hubei-planner", "GET", "/v1/accidents/"+id, nil).Status)
	require.Equal(t, 404, s.call("kaifeng-reviewer", "POST", "/v1/accidents/"+id+"/forward", map[string]any{}).Status)
	r = s.call("zhongmu-staff", "POST", "/v1/accidents/"+id+"/forward", map[string]any{"note": "已报郑州市"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "4101", r.Body["holder"])
	s.expect(403, "zhongmu-staff", "POST", "/v1/accidents/"+id+"/forward", map[string]any{}) // the city holds it now
	r = s.call("zhengzhou-reviewer", "POST", "/v1/accidents/"+id+"/forward", map[string]any{})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "41", r.Body["holder"])
	require.Equal(t, true, r.Body["complete"])
	s.expect(409, s.persona("reviewer", "41"), "POST", "/v1/accidents/"+id+"/forward", map[string]any{})

	// an amendment to 10 deaths makes it major: the province must forward to the nation
	r = s.call("zhongmu-staff", "POST", "/v1/accidents/"+id+"/amend", map[string]any{"deaths": 10, "serious_injuries": 2, "direct_loss_cny": 0, "note": "搜救结束"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "major", r.Body["grade"])
	require.Equal(t, "nation", r.Body["required_level"])
	require.Equal(t, false, r.Body["complete"])
	s.expect(422, "zhongmu-staff", "POST", "/v1/accidents/"+id+"/amend", map[string]any{"deaths": -1})
	list := s.call("henan-planner", "GET", "/v1/accidents?grade=major&complete=false", nil)
	require.Equal(t, float64(1), list.Body["total"], string(list.Raw))

	// statistics: 17 accidents with 25 deaths early last year, 24 with 36 this year → +41.2%, +44%
	ctx := context.Background()
	year := time.Now().Year()
	for i := 0; i < 41; i++ {
		y, deaths := year-1, 1
		if i >= 17 {
			y = year
		}
		if i < 8 || (i >= 17 && i < 29) {
			deaths = 2
		}
		when := time.Date(y, 2, 1+i%20, 10, 0, 0, 0, time.UTC)
		a := duban.NewAccident(s.app.Dir, fmt.Sprintf("ahist%02d", i), "410225", duban.AccidentProduction, "x", "x", "import", when, when.Add(30*time.Minute),
			duban.AccidentFigures{Deaths: deaths})
		require.NoError(t, s.app.DB.ProjectAccident(ctx, duban.SystemScope, duban.AccidentProjection{Accident: *a, Action: "import", Actor: "import"}))
	}
	st := s.call("henan-planner", "GET", fmt.Sprintf("/v1/accident-stats?tenant=41&from=%d-01-01&to=%d-03-31", year, year), nil)
	require.Equal(t, 200, st.Status, string(st.Raw))
	require.Equal(t, float64(24), st.Body["current"].(map[string]any)["count"])
	require.Equal(t, float64(36), st.Body["current"].(map[string]any)["deaths"])
	require.Equal(t, float64(17), st.Body["previous"].(map[string]any)["count"])
	require.Equal(t, float64(25), st.Body["previous"].(map[string]any)["deaths"])
	require.Equal(t, 41.2, st.Body["count_yoy_pct"])
	require.Equal(t, 44.0, st.Body["deaths_yoy_pct"])
	st = s.call("zhengzhou-reviewer", "GET", fmt.Sprintf("/v1/accident-stats?tenant=4101&from=%d-01-01&to=%d-03-31", year, year), nil)
	require.Equal(t, float64(0), st.Body["current"].(map[string]any)["count"], "Lankao's accidents are not Zhengzhou's")
	require.Nil(t, st.Body["count_yoy_pct"])
	s.expect(403, "zhengzhou-reviewer", "GET", "/v1/accident-stats?tenant=41", nil)
	s.expect(422, "henan-planner", "GET", "/v1/accident-stats?tenant=41&from=2026-05-01&to=2026-04-01", nil)
}
