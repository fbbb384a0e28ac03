package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBulkAuditChainVerifies: the bench's bulk audit rows are those the
// write path leaves — the chains verify in full with them, interleaved with
// events written through the write path before and after, and a tampered
// bulk row is caught.
func TestBulkAuditChainVerifies(t *testing.T) {
	t.Parallel()
	db, dir, owner := bulkStore(t)
	ctx := context.Background()
	require.NoError(t, db.RecordDenied(ctx, "4101", "user.create", "tenant/4101", nil))
	chains := subtree(dir, "4101")
	require.NoError(t, bulkAudit(ctx, owner, dir, chains, 3000, time.Now().Add(-time.Hour)))
	require.NoError(t, db.RecordDenied(ctx, "410122", "user.create", "tenant/410122", map[string]any{"after": true}))
	broken, n, err := db.VerifyAudit(ctx, duban.SystemScope, true)
	require.NoError(t, err)
	require.Nil(t, broken)
	require.GreaterOrEqual(t, n, 3002)
	_, err = owner.Exec(ctx, `UPDATE audit_events SET target = 'x' WHERE tenant = '410102' AND seq = 3`)
	require.NoError(t, err)
	broken, _, err = db.VerifyAudit(ctx, duban.SystemScope, true)
	require.NoError(t, err)
	require.NotNil(t, broken)
	require.Equal(t, "410102", broken.Tenant)
}

// TestBulkAssignmentsReadBack: a bulk assignment reads back as the
// projection would have written it — writing the same assignment through
// ProjectAssignment (one version up) changes nothing else — and carries its
// campaign's lines.
func TestBulkAssignmentsReadBack(t *testing.T) {
	t.Parallel()
	db, dir, owner := bulkStore(t)
	ctx := context.Background()
	n, err := bulkAssignments(ctx, db, owner, dir, []string{"4101", "410122"}, []string{"42"}, 0, 1)
	require.NoError(t, err)
	require.Equal(t, 200*2+20, n)
	id := duban.AssignmentID("cb000003", "410122")
	bulk, err := db.FindAssignment(ctx, duban.SystemScope, id)
	require.NoError(t, err)
	require.Equal(t, []duban.Line{duban.LineConstruction}, bulk.Lines, "the campaign's line")
	next := *bulk
	next.Version = 2
	require.NoError(t, db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: next,
		Event: duban.AssignmentEvent{Version: 2, At: next.UpdatedAt, Actor: "t", Action: "test", To: string(next.State)}}))
	again, err := db.FindAssignment(ctx, duban.SystemScope, id)
	require.NoError(t, err)
	require.EqualValues(t, 2, again.Version)
	again.Version = 1
	require.Equal(t, *bulk, *again, "the projection writes the same row")
	mine, total, err := db.ListAssignments(ctx, duban.SystemScope, duban.AssignmentFilter{Tenants: []string{"410122"}, ByDue: true, Limit: 500})
	require.NoError(t, err)
	require.Equal(t, 200, total)
	for i := 1; i < len(mine); i++ {
		require.False(t, mine[i].DueAt.Before(mine[i-1].DueAt), "soonest due first")
	}
}

// bulkStore is a store on a fresh database, its tenant directory and a
// connection as the table owner, for the bulk writers.
func bulkStore(t *testing.T) (*postgres.DB, *duban.Directory, *pgx.Conn) {
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	tenants, err := db.AllTenants(ctx)
	require.NoError(t, err)
	owner, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	t.Cleanup(func() { owner.Close(ctx) })
	return db, duban.NewDirectory(tenants), owner
}

// TestBulkRowsMatchWritePath: a hazard and a notice written by the volume
// generator's COPY are, column for column (lines, generated columns and
// all), the rows their write paths (ProjectHazard, InsertNotifications) leave
// for the same hazard and notice; and the generator is deterministic by seed.
func TestBulkRowsMatchWritePath(t *testing.T) {
	t.Parallel()
	db, dir, owner := bulkStore(t)
	ctx := context.Background()
	henan := subtree(dir, "41")[1:]
	_, err := bulkAssignments(ctx, db, owner, dir, []string{"410122"}, []string{"42"}, 0, 1) // the year's campaigns
	require.NoError(t, err)
	require.NoError(t, bulkHazards(ctx, owner, dir, henan, rand.New(rand.NewPCG(16, 0)), 0, 60))
	require.NoError(t, bulkNotifications(ctx, owner, dir, henan, rand.New(rand.NewPCG(16, 0)), 0, 30))
	row := func(sql, id string) map[string]any {
		var m map[string]any
		require.NoError(t, owner.QueryRow(ctx, sql, id).Scan(&m))
		return m
	}
	rng := rand.New(rand.NewPCG(16, 0))
	kinds := map[string]bool{}
	for i := range 60 {
		h := genHazard(dir, henan, rng, 0, i)
		kinds[fmt.Sprint(h.Grade, h.State, h.Line, h.Listed)] = true
		if i%6 != 0 {
			continue
		}
		bulk := row(`SELECT to_jsonb(h) - 'id' FROM hazards h WHERE id = $1`, h.ID)
		h.ID += "w"
		require.NoError(t, db.ProjectHazard(ctx, duban.SystemScope, duban.HazardProjection{Hazard: h,
			Event: duban.HazardEvent{Version: h.Version, At: h.UpdatedAt, Actor: "t", Action: "import", To: string(h.State)}}))
		written := row(`SELECT to_jsonb(h) - 'id' FROM hazards h WHERE id = $1`, h.ID)
		written["doc"].(map[string]any)["id"] = bulk["doc"].(map[string]any)["id"]
		require.Equal(t, written, bulk, "hazard %d", i)
	}
	require.Greater(t, len(kinds), 4, "the hazards vary")
	rng = rand.New(rand.NewPCG(16, 0))
	for i := range 30 {
		n := genNotification(henan, rng, 0, i)
		if i%5 != 0 {
			continue
		}
		bulk := row(`SELECT to_jsonb(n) - 'id' - 'dedupe_key' FROM notifications n WHERE dedupe_key = $1`, n.DedupeKey)
		n.DedupeKey += "w"
		_, err := db.InsertNotifications(ctx, []duban.NewNotification{n})
		require.NoError(t, err)
		require.Equal(t, row(`SELECT to_jsonb(n) - 'id' - 'dedupe_key' FROM notifications n WHERE dedupe_key = $1`, n.DedupeKey), bulk, "notice %d", i)
	}
	// deterministic: the same seed, the same hazards
	a, b := genHazard(dir, henan, rand.New(rand.NewPCG(16, 3)), 3, 7), genHazard(dir, henan, rand.New(rand.NewPCG(16, 3)), 3, 7)
	require.Equal(t, a, b)
}
