package e2e

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/internal/testenv"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestBackupRestoresIntoAFreshCluster is the README's backup procedure
// end to end: pg_dump of a live Duban database, pg_restore into a new
// PostgreSQL cluster, and the restored copy holds the same rows and its
// audit chains still verify.
func TestBackupRestoresIntoAFreshCluster(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := context.Background()
	id := s.launchHouse("郑州房屋安全排查", []string{"county"}, []string{"410122"})
	s.waitAssignment(id + ".410122")
	r := s.call("zhongmu-staff", "POST", "/v1/assignments/"+id+".410122/submit", map[string]any{"report": map[string]any{
		"buildings_surveyed": 10, "self_built_business": 1, "public_buildings": 1, "hazards_found": 1, "hazards_rectified": 1, "summary": "完成"}})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, 201, s.call("zhongmu-staff", "POST", "/v1/hazards", hazardBody("410122")).Status)
	// let the background notifications land, so the dump is of a still database
	before := s.writes()
	for i := 0; i < 40; i++ {
		time.Sleep(300 * time.Millisecond)
		cur := s.writes()
		if maps.Equal(before, cur) {
			break
		}
		before = cur
	}
	_, want, err := s.app.DB.VerifyAudit(ctx, duban.SystemScope, true)
	require.NoError(t, err)
	require.Greater(t, want, 5)

	bin, err := devstack.PostgresBinDir()
	require.NoError(t, err)
	tmp, err := os.MkdirTemp("", "duban-restore-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	require.NoError(t, os.Chmod(tmp, 0o755))
	dump := filepath.Join(tmp, "duban.dump")
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--format=custom", "--file="+dump, "--dbname="+s.db.AdminURL).CombinedOutput()
	require.NoError(t, err, string(out))

	fresh, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(tmp, "pg")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = fresh.Stop() })
	conn, err := pgx.Connect(ctx, fresh.AdminURL("postgres"))
	require.NoError(t, err)
	for _, stmt := range []string{"CREATE DATABASE duban", "CREATE ROLE duban_app NOLOGIN", "CREATE ROLE " + testenv.AppRole + " LOGIN IN ROLE duban_app"} {
		_, err := conn.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, conn.Close(ctx))
	out, err = exec.Command(filepath.Join(bin, "pg_restore"), "--exit-on-error", "--dbname="+fresh.AdminURL("duban"), dump).CombinedOutput()
	require.NoError(t, err, string(out))

	restored, err := postgres.Open(ctx, fresh.AdminURL("duban"))
	require.NoError(t, err)
	defer restored.Close()
	broken, got, err := restored.VerifyAudit(ctx, duban.SystemScope, true)
	require.NoError(t, err)
	require.Nil(t, broken, "the restored audit chains verify")
	require.Equal(t, want, got)
	a, err := restored.GetUser(ctx, duban.SystemScope, "zhongmu-staff")
	require.NoError(t, err)
	require.Equal(t, "410122", a.Tenant)
	for table, n := range before {
		var m int
		require.NoError(t, restored.Pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&m))
		require.Equal(t, n, m, table)
	}
}
