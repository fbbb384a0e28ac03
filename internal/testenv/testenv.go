// Package testenv provisions real services for tests: one PostgreSQL cluster
// and one Temporal dev server per test binary, started on first use and
// shared; each test gets its own freshly migrated database cloned from a
// template. Provisioning failures fail the test loudly; nothing is skipped.
package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban/duban/division"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
)

// AppRole is the application login role tests connect as (RLS applies).
const AppRole = "duban_test_app"

var (
	pgOnce sync.Once
	pg     *devstack.Postgres
	pgErr  error
	dbSeq  atomic.Int64

	tmpOnce sync.Once
	tmpDir  string
)

func baseDir() string {
	tmpOnce.Do(func() {
		d, err := os.MkdirTemp("", "duban-test-")
		if err != nil {
			panic(err)
		}
		_ = os.Chmod(d, 0o755)
		tmpDir = d
	})
	return tmpDir
}

// Postgres returns the shared cluster with the migrated template database
// "duban_template", starting it on first use.
func Postgres(t testing.TB) *devstack.Postgres {
	t.Helper()
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pg, pgErr = devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(baseDir(), "pg")})
		if pgErr != nil {
			return
		}
		pgErr = createTemplate(ctx)
	})
	if pgErr != nil {
		t.Fatalf("provision PostgreSQL for tests: %v", pgErr)
	}
	return pg
}

func createTemplate(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, pg.AdminURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE duban_template`); err != nil {
		return err
	}
	tenants, err := division.Tenants()
	if err != nil {
		return err
	}
	if err := postgres.Migrate(ctx, pg.AdminURL("duban_template"), tenants); err != nil {
		return err
	}
	return postgres.Provision(ctx, pg.AdminURL("duban_template"), AppRole)
}

// DB is one test's database.
type DB struct {
	Name     string
	AdminURL string // owner: bypasses RLS
	AppURL   string // application role: RLS applies
}

// NewDB clones the template into a database of the test's own, dropped at
// the end of the test.
func NewDB(t testing.TB) DB {
	t.Helper()
	p := Postgres(t)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.AdminURL("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE duban_template"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, p.AdminURL("postgres"))
		if err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	return DB{
		Name:     name,
		AdminURL: p.AdminURL(name),
		AppURL:   fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", AppRole, p.Port, name),
	}
}

// OpenStore opens the store on a fresh database as the application role.
func OpenStore(t testing.TB) (*postgres.DB, DB) {
	t.Helper()
	d := NewDB(t)
	db, err := postgres.Open(context.Background(), d.AppURL)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(db.Close)
	return db, d
}

var (
	tOnce sync.Once
	tsrv  *devstack.Temporal
	tErr  error
)

// Temporal returns the shared dev server (in-memory), starting it on first
// use; the CLI is built into the module's .duban/bin when missing.
func Temporal(t testing.TB) *devstack.Temporal {
	t.Helper()
	tOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
		defer cancel()
		root := devstack.ModuleRoot()
		if root == "" {
			tErr = fmt.Errorf("cannot find the module root to keep the temporal CLI in")
			return
		}
		bin, err := devstack.TemporalBinary(ctx, filepath.Join(root, ".duban", "bin"), os.Stderr)
		if err != nil {
			tErr = err
			return
		}
		tsrv, tErr = devstack.StartTemporal(ctx, devstack.TemporalOptions{Binary: bin})
	})
	if tErr != nil {
		t.Fatalf("provision Temporal dev server for tests: %v", tErr)
	}
	return tsrv
}

// Main runs a test binary's tests and then stops the shared services:
// a package's TestMain is just testenv.Main(m).
func Main(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// Shutdown stops the shared services; call it from TestMain after m.Run.
func Shutdown() {
	if tsrv != nil {
		_ = tsrv.Stop()
	}
	if pg != nil {
		_ = pg.Stop()
	}
	if tmpDir != "" {
		_ = os.RemoveAll(tmpDir)
	}
}
