package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
)

// TestKeepAliveAfterSlowFailure: an update to a node no worker serves is a
// 503 once its wait is over (workflows.DefaultUpdateTimeout), and the next
// request on the same keep-alive connection starts afresh. Before, huma's
// 5-second body read deadline, left on the connection, cancelled the
// connection's context: the update was cut at 5 s and the next request
// started cancelled (500 "context canceled").
func TestKeepAliveAfterSlowFailure(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	cid := "cka1"
	now := time.Now().UTC()
	require.NoError(t, s.app.DB.InsertCampaign(ctx, duban.SystemScope, &duban.Campaign{ID: cid, Template: "generic", Title: "x", Scope: "41",
		Levels: []duban.Level{duban.LevelCounty}, Phases: []duban.PhaseDeadline{{ID: "main", Due: now.AddDate(0, 1, 0)}}, Targets: []string{"410122"}, CreatedBy: "t", CreatedAt: now}))
	a := duban.Assignment{ID: duban.AssignmentID(cid, "410122"), CampaignID: cid, Tenant: "410122", Level: duban.LevelCounty, Phase: "main", Title: "x",
		ReviewerTenant: "4101", SignerTenant: "41", State: duban.StateAssigned, DueAt: now.AddDate(0, 1, 0), Version: 1, UpdatedAt: now}
	require.NoError(t, s.app.DB.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a, Event: duban.AssignmentEvent{Version: 1, At: now, Actor: "t", Action: "assign", To: "assigned"}}))
	// the node's workflow exists on a queue no worker polls
	other := &workflows.Client{Temporal: s.app.Temporal, TaskQueue: "nobody-polls"}
	require.NoError(t, other.Start(ctx, workflows.NodeID(cid, "410122"), workflows.WorkflowName, workflows.NodeInput{CampaignID: cid}))
	// both requests go over one keep-alive connection
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}}
	first := s.callWith(client, "zhongmu-staff", "PUT", "/v1/assignments/"+a.ID+"/draft", map[string]any{"report": map[string]any{"completed": 1}})
	require.Equal(t, 503, first.Status, "no worker answers: retry later: %s", first.Raw)
	next := s.callWith(client, "zhongmu-staff", "GET", "/v1/assignments/"+a.ID, nil)
	require.Equal(t, 200, next.Status, "the next request on the connection starts afresh: %s", next.Raw)
}
