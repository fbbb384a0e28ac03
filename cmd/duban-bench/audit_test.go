package main

import (
	"context"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
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
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	tenants, err := db.AllTenants(ctx)
	require.NoError(t, err)
	dir := duban.NewDirectory(tenants)
	require.NoError(t, db.RecordDenied(ctx, "4101", "user.create", "tenant/4101", nil))
	owner, err := pgx.Connect(ctx, d.AdminURL)
	require.NoError(t, err)
	defer owner.Close(ctx)
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
