package e2e

import (
	"context"
	"github.com/duban/duban/calendar"
	"testing"
	"time"

	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
)

// TestCircularReachesTheNamed: Henan circulates Zhengzhou's counties. Of
// three that reported (all on time), the one whose report was approved is
// commended and the two others share the next rank and are named as
// laggards; the counties that had nothing due are shown as such and named
// neither way. Each named county finds the circular in its inbox and reads
// it; a county not named does not. (DUBAN_RECORD_HISTORIES=1 records the
// delivery's history.)
func TestCircularReachesTheNamed(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "通报样本", "scope": "41", "levels": []string{"county"},
		"targets": []string{"4101"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	reported := []string{"410102", "410103", "410104"}
	for _, c := range reported {
		aid := id + "." + c
		eventually(t, time.Minute, func() bool { return s.call(s.staffOf(c), "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "assignment")
		s.expect(200, s.staffOf(c), "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	}
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+id+".410102/review", map[string]any{"decision": "approve"})
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	r = s.call("henan-planner", "POST", "/v1/campaigns/"+id+"/circulars", map[string]any{"tenant": "4101", "period_from": "2026-01-01", "period_to": today})
	require.Equal(t, 201, r.Status, string(r.Raw))
	cid := r.Body["id"].(string)
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006")
	require.Equal(t, "郑州市督办通报〔"+year+"〕1号", r.Body["number"], "文号: the issuer (Zhengzhou, whose counties it ranks) numbers its first of the year")
	require.Equal(t, []any{"410102"}, r.Body["best"])
	require.ElementsMatch(t, []any{"410103", "410104"}, r.Body["laggards"])
	ranks := map[string]any{}
	nothingDue := 0
	for _, row := range r.Body["rows"].([]any) {
		m := row.(map[string]any)
		ranks[m["tenant"].(string)] = m["rank"]
		if m["nothing_due"] == true {
			nothingDue++
			require.EqualValues(t, 0, m["on_time_rate"], "nothing due is never 100 %%")
			require.EqualValues(t, 0, m["rank"])
		}
	}
	require.EqualValues(t, 1, ranks["410102"])
	require.EqualValues(t, 2, ranks["410103"])
	require.EqualValues(t, 2, ranks["410104"], "equal standing shares a rank")
	require.Greater(t, nothingDue, 5)

	for _, c := range []string{"410102", "410103"} {
		eventually(t, time.Minute, func() bool {
			n := s.call(s.staffOf(c), "GET", "/v1/notifications", nil)
			for _, it := range n.Body["items"].([]any) {
				m := it.(map[string]any)
				if body, _ := m["body"].(map[string]any); body != nil && body["circular"] == cid {
					return true
				}
			}
			return false
		}, "the circular in "+c+"'s inbox")
		g := s.call(s.staffOf(c), "GET", "/v1/circulars/"+cid, nil)
		require.Equal(t, 200, g.Status, "%s reads the circular that names it: %s", c, g.Raw)
	}
	require.Equal(t, 404, s.call(s.staffOf("410105"), "GET", "/v1/circulars/"+cid, nil).Status, "a county not named does not read it")
	second := s.call("henan-planner", "POST", "/v1/campaigns/"+id+"/circulars", map[string]any{"tenant": "4101", "period_from": "2026-01-01", "period_to": today})
	require.Equal(t, 201, second.Status, string(second.Raw))
	require.Equal(t, "郑州市督办通报〔"+year+"〕2号", second.Body["number"])
	eventually(t, 30*time.Second, func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.CircularWorkflowID(cid), "")
		return err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, "the delivery completes")
	recordHistory(t, s, workflows.CircularWorkflowID(cid), "circular")
}

// TestReturnReworkDueInWorkingDays: a return without a rework date gives
// five working days by the calendar, a holiday declared tomorrow's working
// day included: it is skipped, not counted.
func TestReturnReworkDueInWorkingDays(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	cal, err := calendar.Load(context.Background(), s.app.DB)
	require.NoError(t, err)
	today := calendar.DateOf(time.Now())
	holiday := cal.AddWorkdays(today, 1)
	s.expect(200, "nation-admin", "PUT", "/v1/calendar/days/"+holiday.String(), map[string]any{"workday": false, "note": "临时放假"})
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "退回样本", "scope": "41", "levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	aid := r.Body["id"].(string) + ".410122"
	eventually(t, time.Minute, func() bool { return s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "assignment")
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	r = s.call("zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "return", "comment": "补充照片"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	due, err := time.Parse(time.RFC3339, r.Body["due_at"].(string))
	require.NoError(t, err)
	cal, err = calendar.Load(context.Background(), s.app.DB)
	require.NoError(t, err)
	dueDay := calendar.DateOf(due)
	require.True(t, cal.IsWorkday(dueDay), "the rework is due on a working day")
	n := 0
	for d := today.AddDays(1); !dueDay.Before(d); d = d.AddDays(1) {
		if cal.IsWorkday(d) {
			n++
		}
	}
	require.Equal(t, 5, n, "five working days after today, up to %s", dueDay)
	require.True(t, holiday.Before(dueDay), "the holiday %s lies within the rework time and is not counted", holiday)
	require.Equal(t, "23:59", due.In(calendar.Shanghai).Format("15:04"), "the end of that day")
}
