package postgres_test

import (
	"context"
	"fmt"
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
// gets. So do one object's read with its history and a campaign's progress.
func TestPageScopeEndsWithItsPipeline(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, d.AppURL+"&pool_max_conns=1") // every call on the same connection
	require.NoError(t, err)
	t.Cleanup(db.Close)
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	henanCampaigns(t, db, "cpipe", 1, start)
	conn := owner(t, d)
	_, err = conn.Exec(ctx, `INSERT INTO assignments (id, campaign_id, tenant, tenant_path, level, phase, title, reviewer_tenant, signer_tenant, state, due_at,
		overdue, escalation_level, comment, version, updated_at)
		SELECT 'cpipe000.' || code, 'cpipe000', code, path, level, 'main', 't', '41', '41', 'assigned', $1, false, 0, '', 1, $1
		FROM tenants WHERE code IN ('410122', '410102', '410202')`, start)
	require.NoError(t, err)
	zhengzhou, zhongmu := sees(t, conn, "4101"), sees(t, conn, "410122")
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
		{zhengzhou, duban.AssignmentFilter{Limit: 50}, []string{"cpipe000.410102", "cpipe000.410122"}, 2},
		{zhongmu, duban.AssignmentFilter{Limit: 50}, []string{"cpipe000.410122"}, 1},
		{nil, duban.AssignmentFilter{Limit: 50}, nil, 0},
		{zhengzhou, duban.AssignmentFilter{Limit: 1}, []string{"cpipe000.410102"}, 2},
		{zhengzhou, duban.AssignmentFilter{Limit: 50, Campaign: "cpipe000", ByDue: true}, []string{"cpipe000.410102", "cpipe000.410122"}, 2},
		{append(zhongmu, sees(t, conn, "4102")...), duban.AssignmentFilter{Limit: 50, Within: "41"}, []string{"cpipe000.410122", "cpipe000.410202"}, 2},
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
	// one object with its history, and a campaign's progress, are pipelines too
	a, hist, err := db.GetAssignment(ctx, zhongmu, "cpipe000.410122")
	require.NoError(t, err)
	require.Equal(t, "410122", a.Tenant)
	require.Empty(t, hist) // inserted without events
	require.Empty(t, scopeNow())
	_, _, err = db.GetAssignment(ctx, zhongmu, "cpipe000.410102") // Zhengzhou's other county: outside
	require.Equal(t, duban.ENotFound, duban.ErrorCode(err))
	require.Empty(t, scopeNow())
	prog, err := db.CampaignProgress(ctx, zhengzhou, "cpipe000", duban.LevelCounty, []duban.Tenant{{Code: "4101", Path: zhengzhou[0]}}, start)
	require.NoError(t, err)
	require.Equal(t, 2, prog[0].Total)
	require.Empty(t, scopeNow())
	// a province's own totals are counted with a kept plan, its page with a
	// plan made for its values, and neither mode outlives the pipeline
	for range 3 {
		_, total, err := db.ListAssignments(ctx, sees(t, conn, "41"), duban.AssignmentFilter{Within: "41", Limit: 1})
		require.NoError(t, err)
		require.Equal(t, 3, total)
	}
	plans := func(like string) (generic, custom int) {
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements
			WHERE statement LIKE $1 AND statement NOT LIKE '%pg_prepared_statements%'`, like).Scan(&generic, &custom))
		return generic, custom
	}
	generic, custom := plans("%FROM assignment_province_totals%")
	require.Positive(t, generic, "the province's count was planned anew")
	require.Zero(t, custom)
	generic, custom = plans("%ORDER BY id LIMIT $10%")
	require.Zero(t, generic, "the page after the count kept a plan")
	require.Positive(t, custom)
	var mode string
	require.NoError(t, db.Pool.QueryRow(ctx, `SHOW plan_cache_mode`).Scan(&mode))
	require.Equal(t, "force_custom_plan", mode)
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

// Inboxes — the assignments of the tenants where a reader holds a role, by
// due time, and their notices, newest first — are read by statements of one
// shape for every value (each tenant's page from its index, then merged),
// whose plans PostgreSQL keeps on the connection: page by page, with every
// filter, for one tenant and for two, they give what plain SQL over the
// rows gives, and the plans are kept.
func TestInboxesPageLikeTheirSQL(t *testing.T) {
	t.Parallel()
	d := testenv.NewDB(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, d.AppURL+"&pool_max_conns=1") // one connection: its kept plans are visible
	require.NoError(t, err)
	t.Cleanup(db.Close)
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	henanCampaigns(t, db, "cshape", 40, start)
	conn := owner(t, d)
	// 40 assignments each of Zhongmu and Zhengzhou's Zhongyuan district, due times repeating (the
	// cursor's tie on id), states and overdue mixed
	_, err = conn.Exec(ctx, `INSERT INTO assignments (id, campaign_id, tenant, tenant_path, level, phase, title, reviewer_tenant, signer_tenant, state, due_at,
		overdue, escalation_level, comment, version, updated_at)
		SELECT 'cshape' || lpad((i - 1)::text, 3, '0') || '.' || code, 'cshape' || lpad((i - 1)::text, 3, '0'), code, path, level, 'main', 't', '4101', '41',
		  (ARRAY['assigned', 'in_progress', 'returned', 'submitted', 'signed_off'])[1 + (i + length(code)) % 5], $1::timestamptz + (i % 7) * interval '1 day',
		  i % 3 = 0, 0, '', 1, $1
		FROM tenants, generate_series(1, 40) i WHERE code IN ('410122', '410102')`, start)
	require.NoError(t, err)
	var ns []duban.NewNotification
	for i := range 30 {
		ns = append(ns, duban.NewNotification{DedupeKey: fmt.Sprintf("shape%d", i), Tenant: []string{"410122", "410102"}[i%3/2], Kind: "reminder",
			Title: duban.Text{ZH: "提醒", EN: "reminder"}, At: start.Add(time.Duration(i) * time.Minute)})
	}
	ids, err := db.InsertNotifications(ctx, ns)
	require.NoError(t, err)
	scope := append(sees(t, conn, "410122"), sees(t, conn, "410102")...)
	both := []string{"410122", "410102"}
	require.NoError(t, db.MarkNotificationRead(ctx, scope, "zhongmu-staff", both, ids[3]))
	require.NoError(t, db.MarkNotificationRead(ctx, scope, "zhongmu-staff", both, ids[17]))
	sqlIDs := func(query string, args ...any) []string {
		rows, err := conn.Query(ctx, query, args...)
		require.NoError(t, err)
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return got
	}

	yes := true
	for _, tenants := range [][]string{{"410122"}, both} {
		for _, f := range []duban.AssignmentFilter{{}, {State: "returned"}, {Overdue: &yes}, {State: "signed_off", Level: "county"}} {
			want := sqlIDs(`SELECT id FROM assignments WHERE tenant = ANY($1) AND ($2 = '' OR state = $2) AND ($3 = '' OR level = $3)
				AND ($4::bool IS NULL OR overdue = $4) ORDER BY due_at, id`, tenants, f.State, f.Level, f.Overdue)
			require.NotEmpty(t, want)
			g := f
			g.Tenants, g.ByDue, g.Limit = tenants, true, 7
			var got []string
			for page := 0; page < 20; page++ {
				items, total, err := db.ListAssignments(ctx, scope, g)
				require.NoError(t, err)
				require.Equal(t, len(want), total, "%v %+v", tenants, f)
				for _, a := range items {
					got = append(got, a.ID)
				}
				if len(items) < g.Limit {
					break
				}
				g.After = duban.DueCursor(items[len(items)-1])
			}
			require.Equal(t, want, got, "%v %+v", tenants, f)
		}
		for _, unread := range []bool{false, true} {
			want := sqlIDs(`SELECT id::text FROM notifications n WHERE tenant = ANY($1)
				AND NOT ($2 AND EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.login = 'zhongmu-staff')) ORDER BY n.id DESC`, tenants, unread)
			require.NotEmpty(t, want)
			f := duban.NotificationFilter{Login: "zhongmu-staff", Tenants: tenants, UnreadOnly: unread, Limit: 8}
			var got []string
			for page := 0; page < 10; page++ {
				items, total, err := db.ListNotifications(ctx, scope, f)
				require.NoError(t, err)
				require.Equal(t, len(want), total, "%v unread %v", tenants, unread)
				for _, n := range items {
					got = append(got, fmt.Sprint(n.ID))
				}
				if len(items) < f.Limit {
					break
				}
				f.BeforeID = items[len(items)-1].ID
			}
			require.Equal(t, want, got, "%v unread %v", tenants, unread)
		}
	}
	// the one-shape statements were planned once and their plans kept
	var kept int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements
		WHERE statement LIKE '%CROSS JOIN LATERAL%' AND statement NOT LIKE '%pg_prepared_statements%'`).Scan(&kept))
	require.Positive(t, kept, "no kept (generic) plan: every call was planned anew")
	// nor compiled: a kept plan's estimate for a LIMIT given as a value is
	// high enough for JIT, which took 34 ms a read at 100×S
	var jit string
	require.NoError(t, db.Pool.QueryRow(ctx, `SHOW jit`).Scan(&jit))
	require.Equal(t, "off", jit)
}

// henanCampaigns inserts n county campaigns over Henan, prefix000, prefix001…
func henanCampaigns(t *testing.T, db *postgres.DB, prefix string, n int, start time.Time) {
	t.Helper()
	for i := range n {
		require.NoError(t, db.InsertCampaign(context.Background(), duban.SystemScope, &duban.Campaign{ID: fmt.Sprintf("%s%03d", prefix, i), Template: "generic",
			Title: prefix, Scope: "41", Levels: []duban.Level{duban.LevelCounty}, Phases: []duban.PhaseDeadline{{ID: "main", Due: start.AddDate(0, 1, 0)}},
			CreatedBy: "t", CreatedAt: start}))
	}
}

// owner connects to the test's database as the tables' owner (no row-level
// security), closed at the end of the test.
func owner(t *testing.T, d testenv.DB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), d.AdminURL)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// sees is a tenant's scope as authz.Scope gives an unlined binding there:
// its path and each line at it.
func sees(t *testing.T, conn *pgx.Conn, code string) []string {
	t.Helper()
	var p string
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT path::text FROM tenants WHERE code = $1`, code).Scan(&p))
	s := []string{p}
	for _, l := range duban.Lines() {
		s = append(s, duban.LinePath(l, p))
	}
	return s
}
