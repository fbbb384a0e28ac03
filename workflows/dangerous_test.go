package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestDangerousWorkGatesInOrder drives a dangerous work over scale through
// its four gates on the time-skipping test server: a gate out of order is
// refused with a conflict; the briefing, left past the start date, is
// reminded on the working days before and escalated after it (the work
// marked overdue); passing it clears that; the fourth gate ends the
// workflow. Activities write to a real PostgreSQL.
func TestDangerousWorkGatesInOrder(t *testing.T) {
	t.Parallel()
	db, dir, admin := openStore(t)
	ctx := context.Background()
	start := time.Date(2027, 3, 1, 9, 0, 0, 0, duban.Shanghai) // Monday
	env := newEnv(db, dir, start)
	env.RegisterWorkflowWithOptions(workflows.DangerousWorkFlow, workflow.RegisterOptions{Name: workflows.DangerousWorkWorkflowName})

	e := duban.RegistryWrite{Kind: duban.KindEnterprises, Key: "91410100MA00000001", Tenant: "4101", Lines: []duban.Line{duban.LineConstruction}, Name: "x",
		Doc: map[string]any{}, Extra: []any{"construction", 1, "active", false}}
	e.Key = e.Key[:17] + string(duban.CreditCodeCheck(e.Key[:17]))
	p := duban.RegistryWrite{Kind: duban.KindProjects, Key: "P-2027-001", Tenant: "410122", Lines: []duban.Line{duban.LineConstruction}, Name: "中牟某小区",
		Doc: map[string]any{}, Extra: []any{"", int64(200_000_000), "under_construction"}}
	_, rowErrs, err := db.SaveRegistry(ctx, duban.SystemScope, []duban.RegistryWrite{e, p}, duban.RegistryAudit{Tenant: "410122", Action: "test"}, true)
	require.NoError(t, err)
	require.Empty(t, rowErrs)

	w := duban.DangerousWork{ID: duban.DangerousWorkID("P-2027-001", "GZM-1"), Project: "P-2027-001", Code: "GZM-1", Tenant: "410122",
		Lines: []duban.Line{duban.LineConstruction}, Category: "formwork", OverScale: true, Description: "高支模（8.5米）",
		StartsOn: "2027-03-10", EndsOn: "2027-04-30", Gates: []duban.GatePass{}, CreatedBy: "zhongmu-staff", CreatedAt: start, Version: 1, UpdatedAt: start}
	id := workflows.DangerousWorkWorkflowID(w.ID)
	pass := func(gate, on string) workflows.PassGateInput {
		return workflows.PassGateInput{Actor: workflows.Actor{Login: "zhongmu-staff"}, Pass: duban.GatePass{Gate: gate, On: on, Person: "张工", Attachment: "att_0123456789abcdef"}}
	}
	var results []error
	send := func(at time.Time, in workflows.PassGateInput) {
		env.RegisterDelayedCallback(func() {
			done := func(_ any, err error) { results = append(results, err) }
			require.NoError(t, env.UpdateWorkflowByID(id, workflows.UpdatePassGate, fmt.Sprintf("g%d", len(results)),
				&testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { done(nil, err) }, OnComplete: done}, in))
		}, at.Sub(start))
	}
	var checked []string
	check := func(at time.Time, name string, fn func()) {
		env.RegisterDelayedCallback(func() { fn(); checked = append(checked, name) }, at.Sub(start))
	}
	row := func() (overdue bool, level, gates int) {
		require.NoError(t, admin.QueryRow(ctx, `SELECT overdue, escalation_level, gates_passed FROM dangerous_works WHERE id = $1`, w.ID).Scan(&overdue, &level, &gates))
		return
	}
	notices := func(kind string) (n int) {
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE body->>'dangerous_work' = $1 AND kind LIKE $2`, w.ID, kind).Scan(&n))
		return
	}
	day := func(d int, h int) time.Time { return time.Date(2027, 3, d, h, 0, 0, 0, duban.Shanghai) }
	send(day(1, 10), pass(duban.GateBriefing, "2027-03-01"))   // out of order: refused
	send(day(2, 10), pass(duban.GatePlanReview, "2027-03-02")) // the plan, reviewed by experts (the API checks the review)
	send(day(2, 11), pass(duban.GatePlanReview, "2027-03-02")) // again: refused
	check(day(9, 12), "reminders before the start", func() {
		require.Equal(t, 2, notices("dangerous_work.reminder")) // 3 and 1 working days before 10 March
		o, _, g := row()
		require.False(t, o)
		require.Equal(t, 1, g)
	})
	check(day(18, 12), "escalated after the start", func() {
		o, level, _ := row()
		require.True(t, o)
		require.GreaterOrEqual(t, level, 2) // 督办 three working days after
		require.GreaterOrEqual(t, notices("dangerous_work.escalation.%"), 2)
	})
	send(day(19, 10), pass(duban.GateBriefing, "2027-03-19"))
	check(day(19, 12), "the briefing clears the escalation", func() {
		o, level, g := row()
		require.False(t, o)
		require.Zero(t, level)
		require.Equal(t, 2, g)
	})
	send(day(25, 10), pass(duban.GateImplementation, "2027-03-25"))
	send(time.Date(2027, 4, 28, 10, 0, 0, 0, duban.Shanghai), pass(duban.GateAcceptance, "2027-04-28"))

	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	env.ExecuteWorkflow(workflows.DangerousWorkWorkflowName, workflows.DangerousWorkInput{Work: w, Supervisor: "4101",
		Reminders: workflows.DangerousWorkReminders, Escalation: duban.DefaultEscalation})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Len(t, results, 6)
	for i, want := range []bool{false, true, false, true, true, true} {
		if want {
			require.NoError(t, results[i], "update %d", i)
		} else {
			require.Error(t, results[i], "update %d", i)
			require.Equal(t, duban.EConflict, workflows.DomainError(results[i]).Code, "update %d: %v", i, results[i])
		}
	}
	require.Equal(t, []string{"reminders before the start", "escalated after the start", "the briefing clears the escalation"}, checked)
	o, _, g := row()
	require.False(t, o)
	require.Equal(t, 4, g)
	var events int
	require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM registry_events WHERE kind = 'dangerous_works' AND key = $1`, w.ID).Scan(&events))
	require.GreaterOrEqual(t, events, 6) // create, 4 gates, escalations
}
