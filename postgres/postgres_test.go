package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestImportCounts(t *testing.T) {
	t.Parallel()
	db, _ := testenv.OpenStore(t)
	ctx := context.Background()
	count := func(level string, within string) int {
		ts, total, err := db.ListTenants(ctx, duban.TenantFilter{Level: level, Within: []string{within}, Limit: 1})
		require.NoError(t, err)
		require.Len(t, ts, 1)
		return total
	}
	require.Equal(t, 31, count("province", "000000"))
	require.Equal(t, 333, count("city", "000000"))
	require.Equal(t, 2978, count("county", "000000"))
	require.Equal(t, 17, count("city", "000000.41"))
	// 181 county-level units in Henan: 170 under cities, 10 directly
	// supervised, and 济源 (under a pseudo-grouping) attached to the province.
	henanCounties, total, err := db.ListTenants(ctx, duban.TenantFilter{Level: "county", Query: "41", Limit: 500})
	require.NoError(t, err)
	require.Equal(t, 181, total)
	require.Len(t, henanCounties, 181)
	require.Equal(t, 170, sumCities(t, db))
}

// sumCities counts Henan counties that sit under a city in the supervision tree.
func sumCities(t *testing.T, db *postgres.DB) int {
	ctx := context.Background()
	cities, _, err := db.ListTenants(ctx, duban.TenantFilter{Level: "city", Within: []string{"000000.41"}, Limit: 100})
	require.NoError(t, err)
	n := 0
	for _, c := range cities {
		_, total, err := db.ListTenants(ctx, duban.TenantFilter{Level: "county", Within: []string{c.Path}, Limit: 1})
		require.NoError(t, err)
		n += total
	}
	return n
}

func TestSupervisorEdges(t *testing.T) {
	t.Parallel()
	db, _ := testenv.OpenStore(t)
	ctx := context.Background()
	lankao, err := db.GetTenant(ctx, "410225")
	require.NoError(t, err)
	require.Equal(t, "4102", lankao.Parent)
	require.Equal(t, "41", lankao.Supervisor)
	kaifeng, err := db.GetTenant(ctx, "4102")
	require.NoError(t, err)
	require.Greater(t, kaifeng.Children, kaifeng.SupervisedChildren, "Lankao is Kaifeng's geographic child but not supervised by it")
	henan, err := db.GetTenant(ctx, "41")
	require.NoError(t, err)
	require.Equal(t, 17+10+1, henan.SupervisedChildren) // 17 cities, 10 direct counties, 济源 (under a pseudo-grouping)
	_, err = db.GetTenant(ctx, "999999")
	require.Equal(t, duban.ENotFound, duban.ErrorCode(err))
}

func TestSubtreeQuery(t *testing.T) {
	t.Parallel()
	db, _ := testenv.OpenStore(t)
	ctx := context.Background()
	_, total, err := db.ListTenants(ctx, duban.TenantFilter{Within: []string{"000000.41.4102"}, Limit: 10})
	require.NoError(t, err)
	// Kaifeng supervises itself and its counties except Lankao.
	all, _, err := db.ListTenants(ctx, duban.TenantFilter{Parent: "4102", Limit: 100})
	require.NoError(t, err)
	require.Equal(t, 1+len(all)-1, total)
	// Paging by cursor visits everything exactly once.
	seen := map[string]bool{}
	after := ""
	for {
		page, _, err := db.ListTenants(ctx, duban.TenantFilter{Within: []string{"000000.41"}, After: after, Limit: 50})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, x := range page {
			require.False(t, seen[x.Code])
			seen[x.Code] = true
		}
		after = page[len(page)-1].Code
	}
	require.Equal(t, 1+17+181, len(seen))
}

// TestRowLevelSecurity: without any casbin check, a transaction scoped to one
// county cannot read or write another county's rows.
func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	zhongmu := duban.ScopeAllLines("000000.41.4101.410122")
	lankao := []string{"000000.41.410225"}
	require.NoError(t, db.CreateUser(ctx, zhongmu, &duban.User{Login: "zm", Name: "中牟", Tenant: "410122"}))
	require.NoError(t, db.CreateUser(ctx, lankao, &duban.User{Login: "lk", Name: "兰考", Tenant: "410225"}))

	// Writing a row for another county under a county scope is refused.
	err := db.CreateUser(ctx, zhongmu, &duban.User{Login: "x", Name: "x", Tenant: "410225"})
	require.Equal(t, duban.EForbidden, duban.ErrorCode(err))

	// Raw queries under the zhongmu scope see only zhongmu's rows.
	err = db.InScope(ctx, zhongmu, func(tx pgx.Tx) error {
		var n int
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n))
		require.Equal(t, 1, n)
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM audit_events`).Scan(&n))
		require.Equal(t, 1, n)
		tag, err := tx.Exec(ctx, `UPDATE users SET name = 'hacked' WHERE login = 'lk'`)
		require.NoError(t, err)
		require.Zero(t, tag.RowsAffected())
		tag, err = tx.Exec(ctx, `DELETE FROM users WHERE login = 'lk'`)
		require.NoError(t, err)
		require.Zero(t, tag.RowsAffected())
		return nil
	})
	require.NoError(t, err)
	// No scope at all sees nothing.
	require.NoError(t, db.InScope(ctx, nil, func(tx pgx.Tx) error {
		var n int
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n))
		require.Zero(t, n)
		return nil
	}))
	// The owner sees both, untouched.
	conn, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var name string
	require.NoError(t, conn.QueryRow(ctx, `SELECT name FROM users WHERE login = 'lk'`).Scan(&name))
	require.Equal(t, "兰考", name)
	// The app role cannot alter audit events even within scope.
	err = db.InScope(ctx, zhongmu, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE audit_events SET actor = 'x'`)
		return err
	})
	require.Error(t, err)
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	all := duban.SystemScope
	for _, l := range []string{"u1", "u2", "u3"} {
		require.NoError(t, db.CreateUser(ctx, all, &duban.User{Login: l, Name: l, Tenant: "41"}))
	}
	require.NoError(t, db.CreateUser(ctx, all, &duban.User{Login: "u4", Name: "u4", Tenant: "42"}))
	broken, n, err := db.VerifyAudit(ctx, all, true)
	require.NoError(t, err)
	require.Nil(t, broken)
	require.Equal(t, 4, n)

	conn, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE audit_events SET summary = '{"login":"evil"}' WHERE tenant = '41' AND seq = 2`)
	require.NoError(t, err)
	broken, _, err = db.VerifyAudit(ctx, all, true)
	require.NoError(t, err)
	require.NotNil(t, broken)
	require.Equal(t, "41", broken.Tenant)
	require.EqualValues(t, 2, broken.Seq)

	// A Hubei-scoped verification does not see Henan's chain, and passes.
	broken, n, err = db.VerifyAudit(ctx, []string{"000000.42"}, true)
	require.NoError(t, err)
	require.Nil(t, broken)
	require.Equal(t, 1, n)

	// Deleting the tail is detected through the chain head.
	_, err = conn.Exec(ctx, `DELETE FROM audit_events WHERE tenant = '42'`)
	require.NoError(t, err)
	broken, _, err = db.VerifyAudit(ctx, []string{"000000.42"}, true)
	require.NoError(t, err)
	require.NotNil(t, broken)
}

// TestPolicyNotify: a grant on one connection wakes a listener on another,
// which is how every instance reloads casbin.
func TestPolicyNotify(t *testing.T) {
	t.Parallel()
	db, d := testenv.OpenStore(t)
	other, err := postgres.Open(context.Background(), d.AppURL)
	require.NoError(t, err)
	defer other.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woke := make(chan struct{}, 10)
	go other.Listen(ctx, "duban_policy", func() { woke <- struct{}{} })
	<-woke // the catch-up call once listening
	require.NoError(t, db.CreateUser(ctx, duban.SystemScope, &duban.User{Login: "n1", Name: "n", Tenant: "41"}))
	require.NoError(t, db.GrantRole(ctx, duban.SystemScope, &duban.RoleBinding{User: "n1", Role: duban.RoleViewer, Tenant: "41"}))
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("no notification after a grant")
	}
}

// TestRowLevelSecurityCampaignTables: the read model's tenant walls hold
// without casbin too.
func TestRowLevelSecurityCampaignTables(t *testing.T) {
	t.Parallel()
	db, _ := testenv.OpenStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := &duban.Campaign{ID: "crls", Template: "generic", Title: "t", Scope: "41", Levels: []duban.Level{duban.LevelCounty},
		Phases: []duban.PhaseDeadline{{ID: "main", Due: now.Add(time.Hour)}}, CreatedBy: "x", CreatedAt: now}
	require.NoError(t, db.InsertCampaign(ctx, duban.SystemScope, c))
	for _, tenant := range []string{"410122", "410225"} {
		a := duban.Assignment{ID: duban.AssignmentID("crls", tenant), CampaignID: "crls", Tenant: tenant, Level: duban.LevelCounty, Phase: "main",
			Title: "t", ReviewerTenant: "41", SignerTenant: "41", State: duban.StateAssigned, DueAt: now.Add(time.Hour), Version: 1, UpdatedAt: now}
		require.NoError(t, db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a, Event: duban.AssignmentEvent{Version: 1, At: now, Actor: "system", Action: "assign", To: "assigned"}}))
	}
	_, err := db.InsertNotifications(ctx, []duban.NewNotification{{DedupeKey: "k1", Tenant: "410225", Kind: "x", Title: duban.Text{ZH: "x", EN: "x"}}})
	require.NoError(t, err)
	zhongmu := duban.ScopeAllLines("000000.41.4101.410122")
	require.NoError(t, db.InScope(ctx, zhongmu, func(tx pgx.Tx) error {
		for table, want := range map[string]int{"assignments": 1, "assignment_events": 1, "notifications": 0, "campaigns": 1} {
			var n int
			require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			require.Equal(t, want, n, table)
		}
		tag, err := tx.Exec(ctx, `UPDATE assignments SET state = 'signed_off' WHERE tenant = '410225'`)
		require.NoError(t, err)
		require.Zero(t, tag.RowsAffected())
		return nil
	}))
	// a Hubei scope sees neither the campaign nor its assignments
	require.NoError(t, db.InScope(ctx, duban.ScopeAllLines("000000.42"), func(tx pgx.Tx) error {
		var n int
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM campaigns`).Scan(&n))
		require.Zero(t, n)
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM assignments`).Scan(&n))
		require.Zero(t, n)
		return nil
	}))
	// a write for another tenant under a county scope is refused
	err = db.InScope(ctx, zhongmu, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO notifications (dedupe_key, tenant, tenant_path, kind, title_zh, title_en) VALUES ('k2', '410225', '000000.41.410225', 'x', 'x', 'x')`)
		return err
	})
	require.Error(t, err)
}

// TestRowLevelSecuritySupervisionTables: hazards, accidents, list items and
// circulars of Lankao are invisible and unwritable under Zhongmu's scope,
// through the store's own functions and raw SQL alike.
func TestRowLevelSecuritySupervisionTables(t *testing.T) {
	t.Parallel()
	db, _ := testenv.OpenStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	tenants, err := db.AllTenants(ctx)
	require.NoError(t, err)
	dir := duban.NewDirectory(tenants)
	c := &duban.Campaign{ID: "crls2", Template: "rectification-3y", Title: "t", Scope: "41", Levels: []duban.Level{duban.LevelCounty},
		Phases: []duban.PhaseDeadline{{ID: "consolidate", Due: now.Add(time.Hour)}}, CreatedBy: "x", CreatedAt: now}
	require.NoError(t, db.InsertCampaign(ctx, duban.SystemScope, c))
	for _, tenant := range []string{"410122", "410225"} {
		h := duban.Hazard{ID: "h" + tenant, Tenant: tenant, Grade: duban.HazardGeneral, State: duban.HazardOpen, Deadline: now, ReportedBy: "x", ReportedAt: now, Version: 1, UpdatedAt: now}
		require.NoError(t, db.ProjectHazard(ctx, duban.SystemScope, duban.HazardProjection{Hazard: h, Event: duban.HazardEvent{Version: 1, At: now, Actor: "x", Action: "report", To: "open"}}))
		a := duban.NewAccident(dir, "a"+tenant, tenant, duban.AccidentProduction, "x", "x", "x", now, now, duban.AccidentFigures{Deaths: 1})
		require.NoError(t, db.ProjectAccident(ctx, duban.SystemScope, duban.AccidentProjection{Accident: *a, Action: "report", Actor: "x"}))
		require.NoError(t, db.UpsertListItem(ctx, duban.SystemScope, &duban.ListItem{Campaign: "crls2", Tenant: tenant, Key: "k", List: duban.ListTasks,
			Title: "t", Owner: "o", DueOn: "2027-01-01", Status: "open", UpdatedBy: "x", UpdatedAt: now}, nil))
	}
	zhongmu := duban.ScopeAllLines("000000.41.4101.410122")
	_, _, err = db.GetHazard(ctx, zhongmu, "h410225")
	require.Equal(t, duban.ENotFound, duban.ErrorCode(err))
	_, err = db.GetAccident(ctx, zhongmu, "a410225")
	require.Equal(t, duban.ENotFound, duban.ErrorCode(err))
	hs, total, err := db.ListHazards(ctx, zhongmu, duban.HazardFilter{Limit: 50})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Equal(t, "410122", hs[0].Tenant)
	items, _, err := db.ListListItems(ctx, zhongmu, duban.ListItemFilter{Campaign: "crls2", Limit: 50, Today: now})
	require.NoError(t, err)
	require.Len(t, items, 1)
	// writes for Lankao under Zhongmu's scope are refused
	err = db.UpsertListItem(ctx, zhongmu, &duban.ListItem{Campaign: "crls2", Tenant: "410225", Key: "k2", List: duban.ListTasks,
		Title: "t", Owner: "o", DueOn: "2027-01-01", Status: "open", UpdatedBy: "x", UpdatedAt: now}, nil)
	require.Error(t, err)
	h := duban.Hazard{ID: "hx", Tenant: "410225", Grade: duban.HazardGeneral, State: duban.HazardOpen, Deadline: now, ReportedBy: "x", ReportedAt: now, Version: 1, UpdatedAt: now}
	require.Error(t, db.ProjectHazard(ctx, zhongmu, duban.HazardProjection{Hazard: h, Event: duban.HazardEvent{Version: 1, At: now, Actor: "x", Action: "report", To: "open"}}))
	require.NoError(t, db.InScope(ctx, zhongmu, func(tx pgx.Tx) error {
		for _, q := range []string{`UPDATE hazards SET state = 'closed' WHERE tenant = '410225'`, `UPDATE accidents SET deaths = 0 WHERE tenant = '410225'`,
			`UPDATE list_items SET status = 'done' WHERE tenant = '410225'`} {
			tag, err := tx.Exec(ctx, q)
			require.NoError(t, err)
			require.Zero(t, tag.RowsAffected(), q)
		}
		for table, want := range map[string]int{"hazards": 1, "hazard_events": 1, "accidents": 1, "accident_events": 1, "list_items": 1, "list_item_events": 1} {
			var n int
			require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			require.Equal(t, want, n, table)
		}
		return nil
	}))
}

// TestRowLevelSecurityLines: a construction scope at Zhongmu sees the
// construction campaign, its assignment and hazard, not the market
// campaign's; a scope of every line sees both; a joint campaign is seen
// from either line; a line scope cannot write another line's rows.
func TestRowLevelSecurityLines(t *testing.T) {
	t.Parallel()
	db, _ := testenv.OpenStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	for id, lines := range map[string][]duban.Line{"cl-zj": {duban.LineConstruction}, "cl-sc": {duban.LineMarket}, "cl-lh": {duban.LineConstruction, duban.LineMarket}} {
		c := &duban.Campaign{ID: id, Template: "generic", Title: "t", Scope: "41", Levels: []duban.Level{duban.LevelCounty}, Lines: lines,
			Phases: []duban.PhaseDeadline{{ID: "main", Due: now.Add(time.Hour)}}, CreatedBy: "x", CreatedAt: now}
		require.NoError(t, db.InsertCampaign(ctx, duban.SystemScope, c))
		a := duban.Assignment{ID: duban.AssignmentID(id, "410122"), CampaignID: id, Tenant: "410122", Level: duban.LevelCounty, Phase: "main",
			Title: "t", ReviewerTenant: "41", SignerTenant: "41", State: duban.StateAssigned, DueAt: now.Add(time.Hour), Version: 1, UpdatedAt: now}
		require.NoError(t, db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a, Event: duban.AssignmentEvent{Version: 1, At: now, Actor: "system", Action: "assign", To: "assigned"}}))
		h := duban.Hazard{ID: "h" + id, Tenant: "410122", Campaign: id, Grade: duban.HazardGeneral, State: duban.HazardOpen, Deadline: now, ReportedBy: "x", ReportedAt: now, Version: 1, UpdatedAt: now}
		require.NoError(t, db.ProjectHazard(ctx, duban.SystemScope, duban.HazardProjection{Hazard: h, Event: duban.HazardEvent{Version: 1, At: now, Actor: "x", Action: "report", To: "open"}}))
	}
	zm := "000000.41.4101.410122"
	count := func(scope []string, table string) (n int) {
		require.NoError(t, db.InScope(ctx, scope, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n)
		}))
		return n
	}
	construction := []string{zm, duban.LinePath(duban.LineConstruction, zm)}
	for table, want := range map[string][3]int{ // construction, market, every line
		"campaigns": {2, 2, 3}, "assignments": {2, 2, 3}, "assignment_events": {2, 2, 3}, "hazards": {2, 2, 3}, "hazard_events": {2, 2, 3},
	} {
		require.Equal(t, want[0], count(construction, table), "%s, construction", table)
		require.Equal(t, want[1], count([]string{zm, duban.LinePath(duban.LineMarket, zm)}, table), "%s, market", table)
		require.Equal(t, want[2], count(duban.ScopeAllLines(zm), table), "%s, every line", table)
	}
	// the plain path alone (a scope without lines) sees no line's work
	require.Zero(t, count([]string{zm}, "assignments"))
	// a notice about a hazard is in the hazard's line; a system notice in none
	_, err := db.InsertNotifications(ctx, []duban.NewNotification{
		{DedupeKey: "n-sc", Tenant: "410122", Kind: "hazard.reminder", Title: duban.Text{ZH: "x", EN: "x"}, Body: map[string]any{"hazard": "hcl-sc"}},
		{DedupeKey: "n-sys", Tenant: "410122", Kind: "incident", Title: duban.Text{ZH: "x", EN: "x"}}})
	require.NoError(t, err)
	require.Equal(t, 1, count(construction, "notifications"), "the system notice only")
	require.Equal(t, 2, count([]string{zm, duban.LinePath(duban.LineMarket, zm)}, "notifications"))
	// a market hazard cannot be written under a construction scope
	h := duban.Hazard{ID: "hm", Tenant: "410122", Line: duban.LineMarket, Grade: duban.HazardGeneral, State: duban.HazardOpen, Deadline: now, ReportedBy: "x", ReportedAt: now, Version: 1, UpdatedAt: now}
	require.Error(t, db.ProjectHazard(ctx, construction, duban.HazardProjection{Hazard: h, Event: duban.HazardEvent{Version: 1, At: now, Actor: "x", Action: "report", To: "open"}}))
	h.Line = duban.LineConstruction
	require.NoError(t, db.ProjectHazard(ctx, construction, duban.HazardProjection{Hazard: h, Event: duban.HazardEvent{Version: 1, At: now, Actor: "x", Action: "report", To: "open"}}))
	// a joint campaign is launched only by one who holds both lines
	c := &duban.Campaign{ID: "cl-x", Template: "generic", Title: "t", Scope: "410122", Levels: []duban.Level{duban.LevelCounty}, Lines: []duban.Line{duban.LineConstruction, duban.LineMarket},
		Phases: []duban.PhaseDeadline{{ID: "main", Due: now.Add(time.Hour)}}, CreatedBy: "x", CreatedAt: now}
	require.Equal(t, duban.EForbidden, duban.ErrorCode(db.InsertCampaign(ctx, construction, c)))
}

// TestAuditCheckpoint: a routine verification walks only what was added
// since each chain's checkpoint and moves the checkpoint when it finds
// nothing broken. A row tampered after the checkpoint is caught by both
// modes and keeps the checkpoint where it was; one tampered before it is
// caught only by the full walk; the checkpoint event itself replaced (its
// hash recomputed) is caught by the routine walk.
func TestAuditCheckpoint(t *testing.T) {
	t.Parallel()
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	all := duban.SystemScope
	conn, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	add := func(n int) {
		for range n {
			require.NoError(t, db.RecordDenied(ctx, "41", "user.create", "tenant/41", map[string]any{"n": n}))
		}
	}
	checkpoint := func() int64 {
		var s int64
		err := conn.QueryRow(ctx, `SELECT coalesce((SELECT seq FROM audit_checkpoints WHERE tenant = '41'), 0)`).Scan(&s)
		require.NoError(t, err)
		return s
	}
	verify := func(full bool) (*duban.BrokenLink, int) {
		b, n, err := db.VerifyAudit(ctx, []string{"000000.41"}, full)
		require.NoError(t, err)
		return b, n
	}
	add(5)
	b, n := verify(false)
	require.Nil(t, b)
	require.Equal(t, 5, n, "no checkpoint yet: the whole chain")
	require.EqualValues(t, 5, checkpoint())
	add(3)
	b, n = verify(false)
	require.Nil(t, b)
	require.Equal(t, 4, n, "the checkpoint event and the three added since")
	require.EqualValues(t, 8, checkpoint())

	// tampered after the checkpoint: both modes catch it; the checkpoint stays
	add(2)
	_, err = conn.Exec(ctx, `UPDATE audit_events SET actor = 'mallory' WHERE tenant = '41' AND seq = 9`)
	require.NoError(t, err)
	for _, full := range []bool{false, true} {
		b, _ = verify(full)
		require.NotNil(t, b, "full=%v", full)
		require.EqualValues(t, 9, b.Seq)
		require.EqualValues(t, 8, checkpoint(), "a broken verification moves no checkpoint")
	}
	_, err = conn.Exec(ctx, `UPDATE audit_events SET actor = 'system' WHERE tenant = '41' AND seq = 9`)
	require.NoError(t, err)
	b, _ = verify(false)
	require.Nil(t, b, "restored")
	require.EqualValues(t, 10, checkpoint())

	// tampered before the checkpoint: only the full walk sees it
	_, err = conn.Exec(ctx, `UPDATE audit_events SET actor = 'mallory' WHERE tenant = '41' AND seq = 3`)
	require.NoError(t, err)
	b, n = verify(false)
	require.Nil(t, b, "routine: what was verified is not walked again")
	require.Equal(t, 1, n)
	b, _ = verify(true)
	require.NotNil(t, b)
	require.EqualValues(t, 3, b.Seq)
	require.EqualValues(t, 10, checkpoint())
	_, err = conn.Exec(ctx, `UPDATE audit_events SET actor = 'system' WHERE tenant = '41' AND seq = 3`)
	require.NoError(t, err)

	// the checkpoint event replaced, its hash recomputed to fit: the routine walk catches it
	var id int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT id FROM audit_events WHERE tenant = '41' AND seq = 10`).Scan(&id))
	evs, _, err := db.ListAuditEvents(ctx, all, duban.AuditFilter{Tenant: "41", Limit: 1})
	require.NoError(t, err)
	ev := evs[0]
	ev.Actor = "mallory"
	ev.Hash = postgres.AuditHash(&ev)
	_, err = conn.Exec(ctx, `UPDATE audit_events SET actor = $2, hash = $3 WHERE id = $1`, id, ev.Actor, ev.Hash)
	require.NoError(t, err)
	b, _ = verify(false)
	require.NotNil(t, b)
	require.EqualValues(t, 10, b.Seq)
	require.Contains(t, b.Reason, "checkpoint")
}

// TestInboxInDueOrder: a county's own tasks come soonest due first, page by
// page through the keyset cursor (due time, id), ties by id; with Latest
// (order=-due: work done) latest first, the same order backwards.
func TestInboxInDueOrder(t *testing.T) {
	t.Parallel()
	db, _ := testenv.OpenStore(t)
	ctx := context.Background()
	all := duban.SystemScope
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	dues := []int{9, 3, 7, 3, 1} // days from start; two share a due time
	for i, d := range dues {
		cid := fmt.Sprintf("cdue%d", i)
		require.NoError(t, db.InsertCampaign(ctx, all, &duban.Campaign{ID: cid, Template: "generic", Title: cid, Scope: "41", Levels: []duban.Level{duban.LevelCounty},
			Phases: []duban.PhaseDeadline{{ID: "main", Due: start.AddDate(0, 0, 30)}}, CreatedBy: "t", CreatedAt: start}))
		a := duban.Assignment{ID: duban.AssignmentID(cid, "410122"), CampaignID: cid, Tenant: "410122", Level: duban.LevelCounty, Phase: "main", Title: cid,
			ReviewerTenant: "4101", SignerTenant: "41", State: duban.StateAssigned, DueAt: start.AddDate(0, 0, d), Version: 1, UpdatedAt: start}
		require.NoError(t, db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a, Event: duban.AssignmentEvent{Version: 1, At: start, Actor: "t", Action: "assign", To: "assigned"}}))
	}
	for i, state := range []string{"", "assigned", "", "assigned"} {
		latest := i >= 2
		var got []string
		cursor := ""
		for page := 0; page < 5; page++ {
			items, total, err := db.ListAssignments(ctx, all, duban.AssignmentFilter{Tenants: []string{"410122"}, State: state, ByDue: true, Latest: latest, After: cursor, Limit: 2})
			require.NoError(t, err)
			require.Equal(t, 5, total)
			for _, a := range items {
				got = append(got, a.CampaignID)
			}
			if len(items) < 2 {
				break
			}
			cursor = duban.DueCursor(items[len(items)-1])
			require.True(t, duban.ValidDueCursor(cursor))
		}
		want := []string{"cdue4", "cdue1", "cdue3", "cdue2", "cdue0"}
		if latest { // work done, newest first: the same order backwards
			slices.Reverse(want)
		}
		require.Equal(t, want, got, "state %q, latest %v: by due time, equal due times by id, no row twice or lost across pages", state, latest)
	}
	require.False(t, duban.ValidDueCursor("cdue1.410122"), "an id cursor is not a due cursor")
}
