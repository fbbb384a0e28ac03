package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestRecordHistories runs a small campaign through every transition on
// the dev server. With DUBAN_RECORD_HISTORIES=1 it writes the histories to
// workflows/testdata, where the replay test checks that workflow code
// changes never break running campaigns.
func TestRecordHistories(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "回放样本", "scope": "41",
		"levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	aid := id + ".410122"
	eventually(t, time.Minute, func() bool { return s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "assignment")
	s.expect(200, "zhongmu-staff", "PUT", "/v1/assignments/"+aid+"/draft", map[string]any{"report": map[string]any{"completed": 1}})
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "return", "comment": "补充材料"})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/extend", map[string]any{"due_at": time.Now().AddDate(0, 2, 0).Format("2006-01-02"), "reason": "延期"})
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "approve"})
	s.expect(200, "henan-planner", "POST", "/v1/assignments/"+aid+"/sign-off", map[string]any{})
	eventually(t, time.Minute, func() bool {
		return s.call("henan-planner", "GET", "/v1/campaigns/"+id, nil).Body["status"] == "completed"
	}, "completion")

	prefix := os.Getenv("DUBAN_HISTORY_PREFIX") // e.g. generic-v1 after a versioned change
	if prefix == "" {
		prefix = "generic"
	}
	for name, wid := range map[string]string{"root": workflows.RootID(id), "city-relay": workflows.NodeID(id, "4101"), "county": workflows.NodeID(id, "410122")} {
		recordHistory(t, s, wid, prefix+"-"+name)
	}

	// a three-year campaign's monthly cadence, from its start to the
	// campaign's cancellation
	r = s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "rectification-3y", "title": "回放样本·三年行动", "scope": "41",
		"levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	rid := r.Body["id"].(string)
	eventually(t, time.Minute, func() bool {
		return s.call("zhongmu-staff", "GET", "/v1/assignments/"+rid+".410122", nil).Status == 200
	}, "assignment")
	s.expect(200, "henan-planner", "POST", "/v1/campaigns/"+rid+"/cancel", map[string]any{"reason": "回放样本"})
	eventually(t, 30*time.Second, func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.CadenceWorkflowID(rid), "")
		return err == nil && d.WorkflowExecutionInfo.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}, "the cadence stops with its campaign")
	recordHistory(t, s, workflows.CadenceWorkflowID(rid), "cadence")
}

// TestRecordSupervisionHistories records a hazard's whole closed loop and an
// accident's report, forwards and amendment, for the replay test
// (DUBAN_RECORD_HISTORIES=1 writes workflows/testdata/hazard-*.json and accident-*.json).
func TestRecordSupervisionHistories(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	body := hazardBody("410122")
	body["grade"] = "major"
	r := s.call("zhongmu-staff", "POST", "/v1/hazards", body)
	require.Equal(t, 201, r.Status, string(r.Raw))
	hid := r.Body["id"].(string)
	plan := map[string]any{"measures": "m", "funds_cny": 1000, "deadline": time.Now().AddDate(0, 1, 0).Format("2006-01-02"), "responsible_person": "p", "emergency_plan": "e"}
	s.expect(200, "zhongmu-staff", "POST", "/v1/hazards/"+hid+"/rectify", map[string]any{"rectification": "x", "plan": plan})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/hazards/"+hid+"/verify", map[string]any{"passed": false, "new_deadline": time.Now().AddDate(0, 1, 0).Format("2006-01-02")})
	s.expect(200, "zhongmu-staff", "POST", "/v1/hazards/"+hid+"/rectify", map[string]any{"rectification": "y"})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/hazards/"+hid+"/verify", map[string]any{"passed": true})
	r = s.call("zhongmu-staff", "POST", "/v1/accidents", accidentBody("410122", 3))
	require.Equal(t, 201, r.Status, string(r.Raw))
	aid := r.Body["id"].(string)
	s.expect(200, "zhongmu-staff", "POST", "/v1/accidents/"+aid+"/forward", map[string]any{})
	s.expect(200, "zhongmu-staff", "POST", "/v1/accidents/"+aid+"/amend", map[string]any{"deaths": 10, "serious_injuries": 0, "direct_loss_cny": 0})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/accidents/"+aid+"/forward", map[string]any{})
	eventually(t, 30*time.Second, func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.HazardWorkflowID(hid), "")
		return err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, "the closed hazard's workflow completes")
	time.Sleep(time.Second)                     // background notification activities settle
	suffix := os.Getenv("DUBAN_HISTORY_SUFFIX") // e.g. -v1 after a versioned change
	recordHistory(t, s, workflows.HazardWorkflowID(hid), "hazard"+suffix)
	recordHistory(t, s, workflows.AccidentWorkflowID(aid), "accident"+suffix)
}

func recordHistory(t *testing.T, s *stack, wid, name string) {
	h := history(t, s, wid, "")
	if os.Getenv("DUBAN_RECORD_HISTORIES") == "1" {
		b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("..", "workflows", "testdata", name+".json"), b, 0o644))
	}
}

// TestRecordDangerousWorkHistory records a dangerous work through its four
// gates (DUBAN_RECORD_HISTORIES=1 writes workflows/testdata/dangerous-work*.json).
func TestRecordDangerousWorkHistory(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	code := creditCode("410100", 9)
	s.expect(201, "zhengzhou-reviewer", "POST", "/v1/enterprises", map[string]any{"credit_code": code, "name": "回放样本建设集团", "kind": "construction", "tenant": "4101"})
	s.expect(201, "zhongmu-staff", "POST", "/v1/projects", map[string]any{"code": "P-REPLAY-1", "name": "回放样本项目", "tenant": "410122", "contractor": code, "contract_amount_cny": 120000000})
	today := time.Now().In(duban.Shanghai)
	r := s.call("zhongmu-staff", "POST", "/v1/dangerous-works", map[string]any{"project": "P-REPLAY-1", "code": "JK-1", "category": "excavation", "over_scale": true,
		"description": "深基坑，开挖深度6米", "starts_on": today.AddDate(0, 0, 10).Format("2006-01-02"), "ends_on": today.AddDate(0, 2, 0).Format("2006-01-02")})
	require.Equal(t, 201, r.Status, string(r.Raw))
	wid := r.Body["id"].(string)
	att := s.call("zhongmu-staff", "POST", "/v1/attachments?tenant=410122", multipartFile{name: "记录.png", content: pngBytes})
	require.Equal(t, 201, att.Status, string(att.Raw))
	on := today.Format("2006-01-02")
	gate := func(g string, extra map[string]any) {
		b := map[string]any{"gate": g, "on": on, "person": "李工", "attachment": att.Body["id"]}
		for k, v := range extra {
			b[k] = v
		}
		s.expect(200, "zhongmu-staff", "POST", "/v1/dangerous-works/"+wid+"/gates", b)
	}
	s.expect(409, "zhongmu-staff", "POST", "/v1/dangerous-works/"+wid+"/gates", map[string]any{"gate": "briefing", "on": on, "person": "李工", "attachment": att.Body["id"]})
	gate("plan_review", map[string]any{"expert_review": map[string]any{"on": on, "experts": []string{"甲", "乙", "丙", "丁", "戊"}, "conclusion": "pass"}})
	gate("briefing", nil)
	gate("implementation", nil)
	gate("acceptance", nil)
	eventually(t, 30*time.Second, func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.DangerousWorkWorkflowID(wid), "")
		return err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, "the work's workflow completes after the fourth gate")
	recordHistory(t, s, workflows.DangerousWorkWorkflowID(wid), "dangerous-work"+os.Getenv("DUBAN_HISTORY_SUFFIX"))
}

// TestRecordNodeContinueAsNew runs a county's node on the dev server with
// RunCommits 3, so that it continues as new twice on its way from a draft
// to sign-off, driven through the API as a clerk, a reviewer and a planner
// would — the submission right after the first continue-as-new waits for
// the next run and is validated against the state it carries. Each run's
// history replays against today's code; with DUBAN_RECORD_HISTORIES=1 they
// are written to workflows/testdata/node-can-run*.json for the replay test.
func TestRecordNodeContinueAsNew(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := context.Background()
	// the campaign's own tree targets another county; 410122's node is
	// started here with a short run
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "回放样本·续跑", "scope": "41",
		"levels": []string{"county"}, "targets": []string{"410225"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	cid := r.Body["id"].(string)
	wid, aid := workflows.NodeID(cid, "410122"), duban.AssignmentID(cid, "410122")
	due := time.Now().AddDate(0, 1, 0).UTC().Truncate(time.Second)
	run, err := s.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: s.app.Config.TaskQueue}, workflows.WorkflowName,
		workflows.NodeInput{CampaignID: cid, Scope: "41", Tenant: "410122", Name: s.app.Dir.Get("410122").Name, Level: duban.LevelCounty, HasAssignment: true,
			Reviewer: "4101", Signer: "41", Title: "回放样本·续跑", Phase: "main", Due: due, Levels: []duban.Level{duban.LevelCounty},
			Targets: []string{"410122"}, Template: *duban.TemplateByID("generic"), RunCommits: 3})
	require.NoError(t, err)
	eventually(t, time.Minute, func() bool { return s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "assignment")
	s.expect(200, "zhongmu-staff", "PUT", "/v1/assignments/"+aid+"/draft", map[string]any{"report": map[string]any{"completed": 1}})
	s.expect(200, "zhongmu-staff", "PUT", "/v1/assignments/"+aid+"/draft", map[string]any{"report": map[string]any{"completed": 2}}) // version 3: continues as new
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})                       // waits for the second run
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "return", "comment": "补充材料"})
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report}) // version 6: again
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "approve"})
	s.expect(200, "henan-planner", "POST", "/v1/assignments/"+aid+"/sign-off", map[string]any{})
	require.NoError(t, s.app.Temporal.SignalWorkflow(ctx, wid, "", workflows.SignalRelease, nil))
	eventually(t, time.Minute, func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(ctx, wid, "")
		return err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, "the node completes after its release")

	// follow the chain of runs: three, the first two ending in continue-as-new
	runID, runs := run.GetRunID(), 0
	for runID != "" {
		runs++
		h := history(t, s, wid, runID)
		replayer := worker.NewWorkflowReplayer()
		replayer.RegisterWorkflowWithOptions(workflows.CampaignNode, workflow.RegisterOptions{Name: workflows.WorkflowName})
		require.NoError(t, replayer.ReplayWorkflowHistory(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), h), "run %d replays", runs)
		if os.Getenv("DUBAN_RECORD_HISTORIES") == "1" {
			b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("..", "workflows", "testdata", fmt.Sprintf("node-can-run%d.json", runs)), b, 0o644))
		}
		t.Logf("run %d: %d events", runs, len(h.Events))
		runID = ""
		if c := h.Events[len(h.Events)-1].GetWorkflowExecutionContinuedAsNewEventAttributes(); c != nil {
			runID = c.NewExecutionRunId
		}
	}
	require.Equal(t, 3, runs)
	a := s.call("henan-planner", "GET", "/v1/assignments/"+aid, nil)
	require.Equal(t, "signed_off", a.Body["state"])
	require.EqualValues(t, 8, a.Body["version"], "versions 1..8 across the runs: %s", a.Raw)
}

// history is one run's history (the current run when runID is "").
func history(t *testing.T, s *stack, wid, runID string) *historypb.History {
	it := s.app.Temporal.GetWorkflowHistory(context.Background(), wid, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	require.NotEmpty(t, h.Events)
	return &h
}

// TestChildContinuesAsNewUnderItsParent: a campaign whose county nodes
// continue as new after every two versions, on the dev server: the city's
// node (which does not) hears the county's reports across its runs, releases
// it once it is signed off, and the campaign completes. (The SDK's test
// environment cannot run this: it applies the parent close policy when a
// child continues as new.)
func TestChildContinuesAsNewUnderItsParent(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	c := &duban.Campaign{ID: "ccan" + strconv.FormatInt(now.UnixNano()%1e6, 10), Template: "generic", Title: "续跑样本", Scope: "4101", Levels: []duban.Level{duban.LevelCounty},
		Targets: []string{"410122"}, Phases: []duban.PhaseDeadline{{ID: "main", Due: now.AddDate(0, 1, 0)}}, CreatedBy: "henan-planner", CreatedAt: now}
	require.NoError(t, s.app.DB.InsertCampaign(ctx, duban.SystemScope, c))
	_, err := s.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RootID(c.ID), TaskQueue: s.app.Config.TaskQueue}, workflows.WorkflowName,
		workflows.NodeInput{CampaignID: c.ID, Root: true, Scope: "4101", Tenant: "4101", Name: s.app.Dir.Get("4101").Name, Level: duban.LevelCity, Title: c.Title,
			Phase: "main", Due: c.Phases[0].Due, Levels: c.Levels, Targets: c.Targets, Template: *duban.TemplateByID("generic"), RunCommits: 2})
	require.NoError(t, err)
	aid := duban.AssignmentID(c.ID, "410122")
	eventually(t, time.Minute, func() bool { return s.call("zhongmu-staff", "GET", "/v1/assignments/"+aid, nil).Status == 200 }, "assignment")
	s.expect(200, "zhongmu-staff", "PUT", "/v1/assignments/"+aid+"/draft", map[string]any{"report": map[string]any{"completed": 1}}) // v2: continues as new
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "approve"}) // v4: again
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/sign-off", map[string]any{})
	eventually(t, time.Minute, func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(ctx, workflows.RootID(c.ID), "")
		return err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, "the city's node completes once the county's last run has")
	got, err := s.app.DB.GetCampaign(ctx, duban.SystemScope, c.ID)
	require.NoError(t, err)
	require.Equal(t, duban.CampaignCompleted, got.Status)
	d, err := s.app.Temporal.DescribeWorkflowExecution(ctx, workflows.NodeID(c.ID, "410122"), "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, d.WorkflowExecutionInfo.Status)
	require.NotEqual(t, d.WorkflowExecutionInfo.Execution.RunId, d.WorkflowExecutionInfo.FirstRunId, "the county's node ran more than once")
}

// runsOf follows a workflow's chain of runs from its first: each run's
// history, the last one current.
func runsOf(t *testing.T, s *stack, wid string) []*historypb.History {
	d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), wid, "")
	require.NoError(t, err)
	var out []*historypb.History
	for runID := d.WorkflowExecutionInfo.FirstRunId; runID != ""; {
		h := history(t, s, wid, runID)
		out = append(out, h)
		runID = ""
		if c := h.Events[len(h.Events)-1].GetWorkflowExecutionContinuedAsNewEventAttributes(); c != nil {
			runID = c.NewExecutionRunId
		}
	}
	return out
}

// parentCampaign starts a Henan campaign for one county (410122) whose
// nodes with children — the province's root and Zhengzhou's relay — continue
// as new once their history passes runEvents.
func parentCampaign(t *testing.T, s *stack, runEvents int) string {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	c := &duban.Campaign{ID: "cpcan" + strconv.FormatInt(time.Now().UnixNano(), 36), Template: "generic", Title: "续跑样本·上级", Scope: "41", Levels: []duban.Level{duban.LevelCounty},
		Targets: []string{"410122"}, Phases: []duban.PhaseDeadline{{ID: "main", Due: now.AddDate(0, 1, 0)}}, CreatedBy: "henan-planner", CreatedAt: now}
	require.NoError(t, s.app.DB.InsertCampaign(ctx, duban.SystemScope, c))
	_, err := s.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RootID(c.ID), TaskQueue: s.app.Config.TaskQueue}, workflows.WorkflowName,
		workflows.NodeInput{CampaignID: c.ID, Root: true, Scope: "41", Tenant: "41", Name: s.app.Dir.Get("41").Name, Level: duban.LevelProvince, Title: c.Title,
			Phase: "main", Due: c.Phases[0].Due, Levels: c.Levels, Targets: c.Targets, Template: *duban.TemplateByID("generic"), RunEvents: runEvents})
	require.NoError(t, err)
	eventually(t, time.Minute, func() bool {
		return s.call("zhongmu-staff", "GET", "/v1/assignments/"+duban.AssignmentID(c.ID, "410122"), nil).Status == 200
	}, "assignment")
	return c.ID
}

// TestParentContinuesAsNew: nodes with children (the root, a city's relay)
// continue as new while their children run on, on the dev server. Their
// children outlive each run, report to whichever run is current, are
// released by a later run and tell it when they finish; the campaign
// completes. Every run replays; with DUBAN_RECORD_HISTORIES=1 the relay's
// runs are written to workflows/testdata/node-parent-can-run*.json.
func TestParentContinuesAsNew(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	cid := parentCampaign(t, s, 14)
	aid := duban.AssignmentID(cid, "410122")
	for i := 1; i <= 3; i++ {
		s.expect(200, "zhongmu-staff", "PUT", "/v1/assignments/"+aid+"/draft", map[string]any{"report": map[string]any{"completed": i}})
	}
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "return", "comment": "补充材料"})
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "approve"})
	s.expect(200, "henan-planner", "POST", "/v1/assignments/"+aid+"/sign-off", map[string]any{})
	eventually(t, time.Minute, func() bool {
		return s.call("henan-planner", "GET", "/v1/campaigns/"+cid, nil).Body["status"] == "completed"
	}, "the campaign completes")
	closeAs(t, s, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, workflows.RootID(cid), workflows.NodeID(cid, "4101"), workflows.NodeID(cid, "410122"))
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(workflows.CampaignNode, workflow.RegisterOptions{Name: workflows.WorkflowName})
	logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, wid := range []string{workflows.RootID(cid), workflows.NodeID(cid, "4101")} {
		runs := runsOf(t, s, wid)
		for i, h := range runs {
			t.Logf("%s run %d: %d events", wid, i+1, len(h.Events))
			require.NoError(t, replayer.ReplayWorkflowHistory(logger, h), "%s run %d replays", wid, i+1)
			if wid == workflows.NodeID(cid, "4101") && os.Getenv("DUBAN_RECORD_HISTORIES") == "1" {
				b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join("..", "workflows", "testdata", fmt.Sprintf("node-parent-can-run%d.json", i+1)), b, 0o644))
			}
		}
		require.GreaterOrEqual(t, len(runs), 2, "%s continued as new", wid)
	}
	a := s.call("henan-planner", "GET", "/v1/assignments/"+aid, nil)
	require.Equal(t, "signed_off", a.Body["state"])
}

// TestParentContinuedAsNewCancels: a campaign cancelled after its nodes
// with children continued as new cancels the children their earlier runs
// started, and the campaign ends cancelled.
func TestParentContinuedAsNewCancels(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	cid := parentCampaign(t, s, 14)
	aid := duban.AssignmentID(cid, "410122")
	s.expect(200, "zhongmu-staff", "PUT", "/v1/assignments/"+aid+"/draft", map[string]any{"report": map[string]any{"completed": 1}})
	s.expect(200, "zhongmu-staff", "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": report})
	s.expect(200, "zhengzhou-reviewer", "POST", "/v1/assignments/"+aid+"/review", map[string]any{"decision": "return", "comment": "补充材料"})
	relay := workflows.NodeID(cid, "4101")
	eventually(t, time.Minute, func() bool { return len(runsOf(t, s, relay)) >= 2 }, "the relay continues as new")
	s.expect(200, "henan-planner", "POST", "/v1/campaigns/"+cid+"/cancel", map[string]any{"reason": "测试撤销"})
	eventually(t, time.Minute, func() bool {
		return s.call("henan-planner", "GET", "/v1/campaigns/"+cid, nil).Body["status"] == "cancelled"
	}, "the campaign is cancelled")
	closeAs(t, s, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, workflows.RootID(cid), relay, workflows.NodeID(cid, "410122"))
	require.Equal(t, "cancelled", s.call("henan-planner", "GET", "/v1/assignments/"+aid, nil).Body["state"])
}

// closeAs waits for each workflow's current run to close with status.
func closeAs(t *testing.T, s *stack, status enumspb.WorkflowExecutionStatus, wids ...string) {
	t.Helper()
	for _, wid := range wids {
		eventually(t, 30*time.Second, func() bool {
			d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), wid, "")
			return err == nil && d.WorkflowExecutionInfo.Status == status
		}, wid+" closes "+status.String())
	}
}
