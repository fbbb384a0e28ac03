package main

import (
	"context"
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
