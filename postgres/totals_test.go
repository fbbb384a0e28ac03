package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestKeptTotalsEqualCounts: the totals migration 014's triggers keep equal
// count(*) under row-level security, for every scope and filter a list
// reads them with, after rows are inserted in bulk, updated in bulk, written
// through the projections (insert and upsert), and notices are read.
func TestKeptTotalsEqualCounts(t *testing.T) {
	t.Parallel()
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	for i := range 12 {
		c := &duban.Campaign{ID: fmt.Sprintf("ctot%d", i), Template: "generic", Title: "tot", Scope: "41",
			Levels: []duban.Level{duban.LevelCity, duban.LevelCounty}, Phases: []duban.PhaseDeadline{{ID: "main", Due: start.AddDate(0, 1, 0)}}, CreatedBy: "t", CreatedAt: start}
		if i%4 == 3 {
			c.Lines = []duban.Line{duban.LineEmergency}
		}
		require.NoError(t, db.InsertCampaign(ctx, duban.SystemScope, c))
	}
	conn, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	// bulk: 12 campaigns × Henan's cities and counties, then a bulk update
	_, err = conn.Exec(ctx, `INSERT INTO assignments (id, campaign_id, tenant, tenant_path, level, phase, title, reviewer_tenant, signer_tenant, state, due_at,
		overdue, escalation_level, comment, version, updated_at)
		SELECT 'ctot' || c || '.' || t.code, 'ctot' || c, t.code, t.path, t.level, 'main', 't', '41', '41', 'assigned', $1::timestamptz + c * interval '1 hour',
		false, 0, '', 1, $1 FROM generate_series(0, 11) c CROSS JOIN (SELECT code, path, level FROM tenants WHERE path <@ '000000.41' AND code <> '41') t`, start)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `UPDATE assignments SET state = CASE WHEN length(tenant) % 3 = 0 THEN 'submitted' ELSE 'in_progress' END,
		overdue = (ascii(right(tenant, 1)) % 2 = 0) WHERE campaign_id IN ('ctot1', 'ctot3', 'ctot5')`)
	require.NoError(t, err)
	// the write path: an insert and a later version of it, and a version of a bulk row
	for v, state := range []duban.AssignmentState{duban.StateAssigned, duban.StateSubmitted} {
		a := duban.Assignment{ID: duban.AssignmentID("ctot0", "410122"), CampaignID: "ctot0", Tenant: "410122", Level: duban.LevelCounty, Phase: "main",
			Title: "t", ReviewerTenant: "4101", SignerTenant: "41", State: state, DueAt: start, Overdue: v == 1, Version: int64(v + 2), UpdatedAt: start}
		require.NoError(t, db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a, Event: duban.AssignmentEvent{Version: int64(v + 2), At: start, Actor: "t", Action: "x", To: string(state)}}))
		a.ID, a.CampaignID, a.Tenant = duban.AssignmentID("ctot3", "410225"), "ctot3", "410225"
		require.NoError(t, db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a, Event: duban.AssignmentEvent{Version: int64(v + 2), At: start, Actor: "t", Action: "x", To: string(state)}}))
	}
	// hazards through the projection, each reported then moved on
	for i := range 40 {
		tenant := []string{"410122", "410225", "4101", "411002"}[i%4]
		h := duban.Hazard{ID: fmt.Sprintf("htot%02d", i), Tenant: tenant, Grade: duban.HazardGeneral, State: duban.HazardOpen, Deadline: start, ReportedBy: "x", ReportedAt: start, Version: 1, UpdatedAt: start}
		if i%5 == 0 {
			h.Grade, h.Line = duban.HazardMajor, duban.LineEmergency
		}
		require.NoError(t, db.ProjectHazard(ctx, duban.SystemScope, duban.HazardProjection{Hazard: h, Event: duban.HazardEvent{Version: 1, At: start, Actor: "x", Action: "report", To: "open"}}))
		if i%3 != 0 {
			h.Version, h.State, h.Overdue, h.Listed = 2, duban.HazardRectified, i%2 == 0, i%6 == 1
			require.NoError(t, db.ProjectHazard(ctx, duban.SystemScope, duban.HazardProjection{Hazard: h, Event: duban.HazardEvent{Version: 2, At: start, Actor: "x", Action: "rectify", From: "open", To: "rectified"}}))
		}
	}
	// notices, some read
	var ns []duban.NewNotification
	for i := range 30 {
		n := duban.NewNotification{DedupeKey: fmt.Sprintf("tot%d", i), Tenant: []string{"410122", "4101"}[i%2], Kind: "x", Title: duban.Text{ZH: "x", EN: "x"}, At: start}
		if i%3 == 0 {
			n.CampaignID = "ctot3" // the emergency line's
		}
		ns = append(ns, n)
	}
	ids, err := db.InsertNotifications(ctx, ns)
	require.NoError(t, err)
	for i, id := range ids[:17] {
		require.NoError(t, db.MarkNotificationRead(ctx, duban.SystemScope, "zhongmu-staff", []string{"410122", "4101"}, id))
		if i%2 == 0 { // read twice: counted once
			require.NoError(t, db.MarkNotificationRead(ctx, duban.SystemScope, "zhongmu-staff", []string{"410122", "4101"}, id))
		}
	}

	zm, zz, hn := "000000.41.4101.410122", "000000.41.4101", "000000.41"
	scopes := map[string][]string{
		"system": duban.SystemScope, "henan, every line": duban.ScopeAllLines(hn),
		"henan construction": {hn, duban.LinePath(duban.LineConstruction, hn)}, "henan emergency": {hn, duban.LinePath(duban.LineEmergency, hn)},
		"zhengzhou construction": {zz, duban.LinePath(duban.LineConstruction, zz)}, "zhongmu, every line": duban.ScopeAllLines(zm),
	}
	yes, no := true, false
	count := func(scope []string, sql string, args ...any) (n int) {
		require.NoError(t, db.InScope(ctx, scope, func(tx pgx.Tx) error { return tx.QueryRow(ctx, sql, args...).Scan(&n) }))
		return n
	}
	checked := 0
	for name, scope := range scopes {
		for _, f := range []duban.AssignmentFilter{{}, {Within: "41"}, {Within: "4101"}, {Tenants: []string{"410122"}}, {Tenants: []string{"410122", "4101"}},
			{State: "submitted"}, {Within: "4101", State: "in_progress", Overdue: &yes}, {Level: "city"}, {Overdue: &no, Level: "county"}} {
			f.Limit = 1
			_, kept, err := db.ListAssignments(ctx, scope, f)
			require.NoError(t, err)
			far := start.AddDate(10, 0, 0)
			f.DueBefore = &far // leaves the kept totals: counted row by row
			_, rows, err := db.ListAssignments(ctx, scope, f)
			require.NoError(t, err)
			require.Equal(t, rows, kept, "%s: %+v", name, f)
			checked += kept
		}
		for _, f := range []duban.HazardFilter{{}, {Within: "4101"}, {Grade: "major"}, {State: "rectified", Overdue: &yes}, {Listed: &yes}, {Within: "41", Listed: &no, State: "open"}} {
			f.Limit = 1
			_, kept, err := db.ListHazards(ctx, scope, f)
			require.NoError(t, err)
			rows := count(scope, `SELECT count(*) FROM hazards WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND ($2 = '' OR grade = $2)
				AND ($3 = '' OR state = $3) AND ($4::bool IS NULL OR overdue = $4) AND ($5::bool IS NULL OR listed = $5)`, f.Within, f.Grade, f.State, f.Overdue, f.Listed)
			require.Equal(t, rows, kept, "%s: %+v", name, f)
			checked += kept
		}
		for _, f := range []duban.NotificationFilter{{Tenants: []string{"410122"}}, {Tenants: []string{"410122", "4101"}}, {Tenants: []string{"4101"}, UnreadOnly: true}, {Tenants: []string{"410122", "4101"}, UnreadOnly: true}} {
			f.Login, f.Limit = "zhongmu-staff", 1
			_, kept, err := db.ListNotifications(ctx, scope, f)
			require.NoError(t, err)
			rows := count(scope, `SELECT count(*) FROM notifications n WHERE tenant = ANY($1)
				AND NOT ($2 AND EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.login = $3))`, f.Tenants, f.UnreadOnly, f.Login)
			require.Equal(t, rows, kept, "%s: %+v", name, f)
			checked += kept
		}
	}
	require.Greater(t, checked, 10000, "the comparisons counted rows")

	// each province's own totals (migration 017) are the sums of its tenants'
	for table, cols := range map[string]string{"assignment": "lines, state, level, overdue", "hazard": "lines, grade, state, overdue, listed"} {
		var off, rows int
		require.NoError(t, conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FILTER (WHERE coalesce(p.n, 0) <> coalesce(s.n, 0)), count(*)
			FROM %[1]s_province_totals p FULL JOIN (SELECT subpath(tenant_path, 0, 2) AS tenant_path, %[2]s, sum(n) AS n FROM %[1]s_totals
				WHERE nlevel(tenant_path) >= 2 GROUP BY subpath(tenant_path, 0, 2), %[2]s) s USING (tenant_path, %[2]s)`, table, cols)).Scan(&off, &rows))
		require.Zero(t, off, "%s: province totals that are not their tenants' sums", table)
		require.Greater(t, rows, 5, table)
	}
	// and they are what a reader none of whose scope lies below the province
	// reads (every line there, or one); a reader bound below it, or a city's
	// list, sums the tenants' rows
	total := func(scope []string, within string, hazards bool) int {
		var n int
		var err error
		if hazards {
			_, n, err = db.ListHazards(ctx, scope, duban.HazardFilter{Within: within, Limit: 1})
		} else {
			_, n, err = db.ListAssignments(ctx, scope, duban.AssignmentFilter{Within: within, Limit: 1})
		}
		require.NoError(t, err)
		return n
	}
	for _, hazards := range []bool{false, true} {
		table := map[bool]string{false: "assignment_province_totals", true: "hazard_province_totals"}[hazards]
		type reading struct {
			scope  []string
			within string
		}
		readings := []reading{{duban.ScopeAllLines(hn), "41"}, {duban.SystemScope, "41"}, {scopes["henan construction"], "41"},
			{duban.ScopeAllLines(hn), "4101"}, {duban.SystemScope, ""}, {append(duban.ScopeAllLines(hn), duban.LinePath(duban.LineEmergency, zz)), "41"},
			{append(duban.ScopeAllLines(zz), duban.LinePath(duban.LineConstruction, hn)), "41"}}
		seen := make([]int, len(readings)) // of the province's own rows, those each reader sees
		for i, r := range readings[:3] {
			require.NoError(t, db.InScope(ctx, r.scope, func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE tenant_path = '000000.41'`).Scan(&seen[i])
			}))
			require.Positive(t, seen[i])
		}
		before := make([]int, len(readings))
		for i, r := range readings {
			before[i] = total(r.scope, r.within, hazards)
		}
		// every row of Henan's own totals off by 1,000: read, they show
		tag, err := conn.Exec(ctx, `UPDATE `+table+` SET n = n + 1000 WHERE tenant_path = '000000.41'`)
		require.NoError(t, err)
		require.Positive(t, tag.RowsAffected())
		for i, r := range readings {
			want := before[i] + 1000*seen[i] // the first three read the province's own rows
			if i < 2 {
				require.EqualValues(t, tag.RowsAffected(), seen[i], "every line: every row")
			} else if i == 2 {
				require.Less(t, int64(seen[i]), tag.RowsAffected(), "one line: its rows")
			}
			require.Equal(t, want, total(r.scope, r.within, hazards), "%s, %v within %q", table, r.scope, r.within)
		}
		_, err = conn.Exec(ctx, `UPDATE `+table+` SET n = n - 1000 WHERE tenant_path = '000000.41'`)
		require.NoError(t, err)
	}
}

// TestAssignmentTotalCapped: a list narrowed by a campaign or a due time
// is counted row by row up to duban.MaxExactTotal and then reported as
// capped; without them the kept total is exact at any size.
func TestAssignmentTotalCapped(t *testing.T) {
	t.Parallel()
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	henanCampaigns(t, db, "ccap", 60, start)
	conn := owner(t, d)
	// 60 campaigns × 180 of Henan's tenants = 10,800 assignments
	_, err := conn.Exec(ctx, `INSERT INTO assignments (id, campaign_id, tenant, tenant_path, level, phase, title, reviewer_tenant, signer_tenant, state, due_at,
		overdue, escalation_level, comment, version, updated_at)
		SELECT 'ccap' || lpad(c::text, 3, '0') || '.' || t.code, 'ccap' || lpad(c::text, 3, '0'), t.code, t.path, 'county', 'main', 't', '41', '41', 'assigned', $1::timestamptz + c * interval '1 hour',
		false, 0, '', 1, $1 FROM generate_series(0, 59) c
		CROSS JOIN (SELECT code, path FROM tenants WHERE path <@ '000000.41' AND code <> '41' ORDER BY code LIMIT 180) t`, start)
	require.NoError(t, err)
	_, total, err := db.ListAssignments(ctx, duban.SystemScope, duban.AssignmentFilter{Within: "41", Limit: 50})
	require.NoError(t, err)
	require.Equal(t, 10800, total, "kept: exact beyond the cap")
	far := start.AddDate(1, 0, 0)
	_, total, err = db.ListAssignments(ctx, duban.SystemScope, duban.AssignmentFilter{Within: "41", DueBefore: &far, Limit: 50})
	require.NoError(t, err)
	require.Equal(t, duban.TotalCapped, total, "counted one past the cap, no further")
	_, total, err = db.ListAssignments(ctx, duban.SystemScope, duban.AssignmentFilter{Campaign: "ccap007", Limit: 50})
	require.NoError(t, err)
	require.Equal(t, 180, total, "under the cap: exact")
}
