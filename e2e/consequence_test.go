package e2e

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
)

// TestConsequencesEndToEnd: two circulars of Zhengzhou's counties name the
// same two laggards. Each gets a 重点督导 follow-up from the issuer after
// each circular, and — named twice — a 约谈 raised for Zhengzhou to convene.
// Zhengzhou's reviewer schedules one (a county cannot), records its minutes
// after the meeting with a commitment; the county's staff reports the
// commitment done and the summons closes. A laggard downloads the circular
// as the red-header PDF.
func TestConsequencesEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "后果样本", "scope": "41", "levels": []string{"county"},
		"targets": []string{"4101"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	for _, c := range []string{"410102", "410103", "410104"} {
		aid := id + "." + c
		eventually(t, time.Minute, func() bool { return s.call(s.staffOf(c), "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "assignment")
		s.expect(200, s.staffOf(c), "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	}
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+id+".410102/review", map[string]any{"decision": "approve"})
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	var circulars []string
	for range 2 {
		r = s.call("henan-planner", "POST", "/v1/campaigns/"+id+"/circulars", map[string]any{"tenant": "4101", "period_from": "2026-01-01", "period_to": today})
		require.Equal(t, 201, r.Status, string(r.Raw))
		require.ElementsMatch(t, []any{"410103", "410104"}, r.Body["laggards"])
		circulars = append(circulars, r.Body["id"].(string))
	}
	for _, cid := range circulars {
		eventually(t, time.Minute, func() bool {
			l := s.call("zhengzhou-reviewer", "GET", "/v1/follow-ups?kind=focus&source=circular/"+cid, nil)
			return l.Status == 200 && l.Body["total"] == float64(2)
		}, "a 重点督导 follow-up for each laggard of "+cid)
	}
	var raised []any
	eventually(t, time.Minute, func() bool {
		l := s.call("zhengzhou-reviewer", "GET", "/v1/summonses?state=raised&convener=4101", nil)
		raised, _ = l.Body["items"].([]any)
		return len(raised) == 2
	}, "a summons raised for each laggard named twice")
	sm := raised[0].(map[string]any)
	sid, county := sm["id"].(string), sm["tenant"].(string)
	require.Equal(t, "circular/"+circulars[1], sm["source"])

	pdf := s.call(s.staffOf(county), "GET", "/v1/circulars/"+circulars[1]+"?format=pdf", nil)
	require.Equal(t, 200, pdf.Status)
	require.True(t, bytes.HasPrefix(pdf.Raw, []byte("%PDF-")), "a PDF")

	soon := time.Now().Add(3 * time.Second).Format(time.RFC3339)
	body := map[string]any{"id": sid, "meeting_at": soon, "place": "市住建局三楼会议室", "persons": []string{"张三（县住建局局长）"}}
	require.Equal(t, 403, s.call(s.staffOf(county), "POST", "/v1/summonses", body).Status, "the summoned unit does not schedule its own summons")
	for _, bad := range []map[string]any{
		{"id": sid, "meeting_at": "2020-01-01T09:00:00Z", "place": "x", "persons": []string{"a"}},
		{"id": sid, "meeting_at": soon, "place": " ", "persons": []string{"a"}},
		{"id": sid, "meeting_at": soon, "place": "x", "persons": []string{}},
		{"tenant": "4101", "convener": "4101", "reason": "x", "meeting_at": soon, "place": "x", "persons": []string{"a"}},
	} {
		r = s.call("zhengzhou-reviewer", "POST", "/v1/summonses", bad)
		require.Contains(t, []int{403, 422}, r.Status, "%v: %s", bad, r.Raw)
	}
	r = s.call("zhengzhou-reviewer", "POST", "/v1/summonses", body)
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.Equal(t, "scheduled", r.Body["state"])
	minutes := map[string]any{"minutes": "县住建局就逾期作出检查", "commitments": []any{map[string]any{"title": "十个工作日内完成整改", "due_at": time.Now().AddDate(0, 0, 14).Format(time.RFC3339)}}}
	if time.Now().Before(time.Now().Add(time.Second)) {
		r = s.call("zhengzhou-reviewer", "POST", "/v1/summonses/"+sid+"/minutes", minutes)
		require.Contains(t, []int{200, 409}, r.Status, string(r.Raw))
	}
	if r.Status == 409 { // before the meeting
		time.Sleep(4 * time.Second)
		r = s.call("zhengzhou-reviewer", "POST", "/v1/summonses/"+sid+"/minutes", minutes)
	}
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "held", r.Body["state"])
	require.Equal(t, 409, s.call("zhengzhou-reviewer", "POST", "/v1/summonses/"+sid+"/minutes", minutes).Status, "minutes are recorded once")
	commitment := sid + "-c1"
	eventually(t, time.Minute, func() bool { return s.call(s.staffOf(county), "GET", "/v1/follow-ups/"+commitment, nil).Status == 200 }, "the commitment tracked")
	require.Equal(t, 422, s.call(s.staffOf(county), "POST", "/v1/follow-ups/"+commitment+"/complete", map[string]any{"result": " "}).Status)
	r = s.call(s.staffOf(county), "POST", "/v1/follow-ups/"+commitment+"/complete", map[string]any{"result": "已完成整改，附照片"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "done", r.Body["state"])
	eventually(t, time.Minute, func() bool {
		g := s.call("zhengzhou-reviewer", "GET", "/v1/summonses/"+sid, nil)
		return g.Body["state"] == "closed"
	}, "the summons closes with its last commitment done")
	// replay histories (DUBAN_RECORD_HISTORIES=1 writes them): the follow-up
	// done, the circular's delivery with its consequences, and the
	// milestones of a two-phase campaign waiting for its first deadline
	eventually(t, 30*time.Second, func() bool { return workflowDone(s, workflows.FollowUpWorkflowID(commitment)) }, "the commitment's workflow ends")
	recordHistory(t, s, workflows.FollowUpWorkflowID(commitment), "follow-up")
	eventually(t, 30*time.Second, func() bool { return workflowDone(s, workflows.CircularWorkflowID(circulars[1])) }, "the delivery ends")
	recordHistory(t, s, workflows.CircularWorkflowID(circulars[1]), "circular-v1")
	r = s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "house-survey", "title": "房屋排查", "scope": "41", "levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	mid := workflows.MilestonesWorkflowID(r.Body["id"].(string))
	eventually(t, 30*time.Second, func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), mid, "")
		return err == nil && d.WorkflowExecutionInfo.HistoryLength >= 5
	}, "the milestones wait for the first deadline")
	recordHistory(t, s, mid, "milestones")
}

func workflowDone(s *stack, id string) bool {
	d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), id, "")
	return err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
}

// TestAssessmentOneVoteVeto: Henan's cities sign letters with figures; a
// major accident in one of Zhengzhou's counties fails Zhengzhou (一票否决)
// although it meets every other target; Kaifeng, with none, is excellent
// and may be rewarded, Zhengzhou may not. The accident shows its
// investigation, due 60 days after it at the province, and the province's
// statistics name the regions without accidents.
func TestAssessmentOneVoteVeto(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "responsibility-letter", "title": "年度责任书", "scope": "41", "levels": []string{"city"},
		"targets": []string{"4101", "4102"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	letters := r.Body["id"].(string)
	for _, c := range []string{"4101", "4102"} {
		aid := letters + "." + c
		eventually(t, time.Minute, func() bool { return s.call(s.staffOf(c), "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "letter")
		s.expect(200, s.staffOf(c), "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": letterReport})
	}
	a := s.call("zhongmu-staff", "POST", "/v1/accidents", accidentBody("410122", 10))
	require.Equal(t, 201, a.Status, string(a.Raw))
	require.Equal(t, false, a.Body["concealed"])
	require.Equal(t, false, a.Body["late"])
	require.Equal(t, false, a.Body["omitted"])
	inv := a.Body["investigation"].(map[string]any)
	require.Equal(t, "41", inv["tenant"], "a major accident is investigated by the province")

	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	require.Equal(t, 422, s.call("henan-planner", "POST", "/v1/assessments", map[string]any{"campaign": letters, "year": year + 1}).Status, "no future year")
	require.Equal(t, 404, s.call("hubei-planner", "POST", "/v1/assessments", map[string]any{"campaign": letters, "year": year}).Status)
	r = s.call("henan-planner", "POST", "/v1/assessments", map[string]any{"campaign": letters, "year": year})
	require.Equal(t, 201, r.Status, string(r.Raw))
	eid := r.Body["id"].(string)
	units := map[string]map[string]any{}
	for _, u := range r.Body["units"].([]any) {
		m := u.(map[string]any)
		units[m["tenant"].(string)] = m
	}
	zz, kf := units["4101"], units["4102"]
	require.Equal(t, true, zz["vetoed"], "一票否决: a major accident")
	require.Equal(t, "fail", zz["result"])
	require.Equal(t, false, kf["vetoed"])
	require.Equal(t, "excellent", kf["result"])
	require.EqualValues(t, 100, kf["score"])
	met := 0
	for _, sc := range zz["scores"].([]any) {
		m := sc.(map[string]any)
		require.NotEmpty(t, m["evidence"])
		if m["met"] == true {
			met++
		}
	}
	require.GreaterOrEqual(t, met, 2, "Zhengzhou meets targets; the veto fails it whatever the score")

	act := func(tenant, kind string, version int) resp {
		return s.call("henan-planner", "POST", "/v1/assessments/"+eid+"/actions", map[string]any{"tenant": tenant, "kind": kind, "description": "通报表扬并奖励", "version": version})
	}
	require.Equal(t, 409, act("4101", "reward", 1).Status, "no reward after a veto")
	require.Equal(t, 200, act("4102", "reward", 1).Status)
	require.Equal(t, 409, act("4101", "accountability", 1).Status, "a stale version")
	require.Equal(t, 200, act("4101", "accountability", 2).Status)
	x := s.call(s.staffOf("4101"), "GET", "/v1/assessments/"+eid+"?format=xlsx", nil)
	require.Equal(t, 200, x.Status, "published to the assessed")
	require.True(t, bytes.HasPrefix(x.Raw, []byte("PK")))
	require.Equal(t, 404, s.call("hubei-planner", "GET", "/v1/assessments/"+eid, nil).Status)

	// the investigation report: extended once by the investigating level
	// (the province), filed with its recommendations for Zhongmu
	fid := inv["follow_up"].(string)
	r = s.call("henan-planner", "POST", "/v1/follow-ups/"+fid+"/extend", map[string]any{"due_at": time.Now().AddDate(0, 0, 200).Format("2006-01-02"), "reason": "技术鉴定"})
	require.Equal(t, 422, r.Status, "at most 60 days later: %s", r.Raw)
	r = s.call("henan-planner", "POST", "/v1/follow-ups/"+fid+"/extend", map[string]any{"due_at": time.Now().AddDate(0, 0, 90).Format("2006-01-02"), "reason": "技术鉴定"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, 409, s.call("henan-planner", "POST", "/v1/follow-ups/"+fid+"/extend", map[string]any{"due_at": time.Now().AddDate(0, 0, 95).Format("2006-01-02"), "reason": "x"}).Status, "once")
	require.Equal(t, 404, s.call("zhongmu-staff", "POST", "/v1/follow-ups/"+fid+"/complete", map[string]any{"result": "x"}).Status, "the province's report is not the county's to see")
	r = s.call("henan-yingji-reviewer", "POST", "/v1/follow-ups/"+fid+"/complete", map[string]any{"result": "调查报告已批复",
		"recommendations": []any{map[string]any{"title": "全面排查起重机械", "due_at": time.Now().AddDate(0, 1, 0).Format(time.RFC3339)}}})
	require.Equal(t, 200, r.Status, string(r.Raw))
	eventually(t, time.Minute, func() bool {
		l := s.call("zhongmu-staff", "GET", "/v1/follow-ups?kind=recommendation&tenant=410122", nil)
		return l.Body["total"] == float64(1)
	}, "the recommendation is Zhongmu's to carry out")
	eventually(t, 30*time.Second, func() bool { return workflowDone(s, workflows.FollowUpWorkflowID(fid)) }, "the report's workflow ends")
	recordHistory(t, s, workflows.FollowUpWorkflowID(fid), "follow-up-investigation")

	st := s.call("henan-planner", "GET", "/v1/accident-stats?tenant=41", nil)
	require.Equal(t, 200, st.Status, string(st.Raw))
	zero := st.Body["zero_regions"].([]any)
	require.Contains(t, zero, "4102", "零事故")
	require.NotContains(t, zero, "4101")
	var own map[string]any
	for _, r := range st.Body["by_region"].([]any) {
		if m := r.(map[string]any); m["own"] == true {
			own = m
		}
	}
	require.EqualValues(t, 0, own["accidents"], "本级: none at the province itself")
	sectors := fmt.Sprint(st.Body["by_sector"])
	require.Contains(t, sectors, "housing_municipal")
}
