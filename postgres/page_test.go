package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A list's scope, its total and its page go in one pipeline: the scope holds
// for the whole of it and ends with it, on the connection the next caller
// gets.
func TestPageScopeEndsWithItsPipeline(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, d.AppURL+"&pool_max_conns=1") // every call on the same connection
	require.NoError(t, err)
	t.Cleanup(db.Close)
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	require.NoError(t, db.InsertCampaign(ctx, duban.SystemScope, &duban.Campaign{ID: "cpipe", Template: "generic", Title: "pipe", Scope: "41",
		Levels: []duban.Level{duban.LevelCounty}, Phases: []duban.PhaseDeadline{{ID: "main", Due: start.AddDate(0, 1, 0)}}, CreatedBy: "t", CreatedAt: start}))
	conn, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO assignments (id, campaign_id, tenant, tenant_path, level, phase, title, reviewer_tenant, signer_tenant, state, due_at,
		overdue, escalation_level, comment, version, updated_at)
		SELECT 'cpipe.' || code, 'cpipe', code, path, level, 'main', 't', '41', '41', 'assigned', $1, false, 0, '', 1, $1
		FROM tenants WHERE code IN ('410122', '410102', '410202')`, start)
	require.NoError(t, err)
	sees := func(code string) []string { // a tenant and each line at it, as authz.Scope gives them
		var p string
		require.NoError(t, conn.QueryRow(ctx, `SELECT path::text FROM tenants WHERE code = $1`, code).Scan(&p))
		s := []string{p}
		for _, l := range duban.Lines() {
			s = append(s, duban.LinePath(l, p))
		}
		return s
	}
	zhengzhou, zhongmu := sees("4101"), sees("410122")
	scopeNow := func() string {
		var s string
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT current_setting('duban.scope', true)`).Scan(&s))
		return s
	}
	for _, c := range []struct {
		scope []string
		f     duban.AssignmentFilter
		ids   []string
		total int
	}{
		{zhengzhou, duban.AssignmentFilter{Limit: 50}, []string{"cpipe.410102", "cpipe.410122"}, 2},
		{zhongmu, duban.AssignmentFilter{Limit: 50}, []string{"cpipe.410122"}, 1},
		{nil, duban.AssignmentFilter{Limit: 50}, nil, 0},
		{zhengzhou, duban.AssignmentFilter{Limit: 1}, []string{"cpipe.410102"}, 2},
		{zhengzhou, duban.AssignmentFilter{Limit: 50, Campaign: "cpipe", ByDue: true}, []string{"cpipe.410102", "cpipe.410122"}, 2},
		{append(zhongmu, sees("4102")...), duban.AssignmentFilter{Limit: 50, Within: "41"}, []string{"cpipe.410122", "cpipe.410202"}, 2},
	} {
		items, total, err := db.ListAssignments(ctx, c.scope, c.f)
		require.NoError(t, err)
		var ids []string
		for _, a := range items {
			ids = append(ids, a.ID)
		}
		require.Equal(t, c.ids, ids, "%v %+v", c.scope, c.f)
		require.Equal(t, c.total, total, "%v %+v", c.scope, c.f)
		require.Empty(t, scopeNow(), "the scope outlived its list")
	}
	// a list that fails part-way leaves no scope behind either
	_, _, err = db.ListAssignments(ctx, zhengzhou, duban.AssignmentFilter{Limit: 50, ByDue: true, After: "not a time|x"})
	require.Error(t, err)
	require.Empty(t, scopeNow())
	items, _, err := db.ListAssignments(ctx, zhongmu, duban.AssignmentFilter{Limit: 50})
	require.NoError(t, err)
	require.Len(t, items, 1)
}

// A list's pipeline is traced as one span with a span per statement, named
// as in queries/*.sql.
func TestPageTraced(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(ctx) })
	db, err := postgres.Open(ctx, d.AppURL, postgres.WithTracing(tp))
	require.NoError(t, err)
	t.Cleanup(db.Close)
	_, _, err = db.ListAssignments(ctx, []string{"000000.41"}, duban.AssignmentFilter{Limit: 50, ByDue: true})
	require.NoError(t, err)
	var batch string
	children := map[string]string{}
	for _, sp := range exp.GetSpans() {
		if sp.Name == "pg batch" {
			batch = sp.SpanContext.SpanID().String()
		} else {
			children[sp.Name] = sp.Parent.SpanID().String()
		}
	}
	require.NotEmpty(t, batch, "a span for the pipeline")
	for _, name := range []string{"pg in_scope", "pg count_assignments_kept", "pg list_assignments_by_due"} {
		require.Equal(t, batch, children[name], "%s inside the pipeline's span: %v", name, children)
	}
}
