package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

//go:embed migration/*.up.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serialises migrators.
const migrationLock = 0x64756261 // "duba"

// Migrate applies every embedded migration not yet applied, in order, each in
// its own transaction, then imports the tenant tree. It connects with url,
// which must own the schema (not the application role). Safe to run
// concurrently and repeatedly.
func Migrate(ctx context.Context, url string, tenants []duban.Tenant) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, q("migration_lock"), migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), q("migration_unlock"), migrationLock)
	if _, err := conn.Exec(ctx, q("create_schema_migrations")); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	files, err := fs.Glob(migrations, "migration/*.up.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "migration/"), ".up.sql")
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %s", f)
		}
		var done bool
		if err := conn.QueryRow(ctx, q("migration_applied"), v).Scan(&done); err != nil {
			return err
		}
		if done {
			continue
		}
		sql, _ := migrations.ReadFile(f)
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, q("record_migration"), v, name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %s: %w", name, err)
		}
	}
	if len(tenants) > 0 {
		if err := importTenants(ctx, conn, tenants); err != nil {
			return fmt.Errorf("migrate: import tenants: %w", err)
		}
	}
	return nil
}

// importTenants upserts the tree; tenants must come supervisor first.
func importTenants(ctx context.Context, conn *pgx.Conn, tenants []duban.Tenant) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q("create_tenants_in")); err != nil {
			return err
		}
		rows := make([][]any, len(tenants))
		for i, t := range tenants {
			rows[i] = []any{t.Code, t.Name, string(t.Level), nullable(t.Parent), nullable(t.Supervisor), t.Path}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tenants_in"},
			[]string{"code", "name", "level", "parent", "supervisor", "path"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		// Insert in level order so that references resolve.
		_, err := tx.Exec(ctx, q("upsert_tenants"))
		return err
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Provision creates the application login role (a member of duban_app that
// owns nothing, so row-level security applies) if missing. Used by dev mode
// and tests; production operators create their own login role.
func Provision(ctx context.Context, ownerURL, login string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN
		CREATE ROLE %[1]s LOGIN IN ROLE duban_app;
	EXCEPTION WHEN duplicate_object THEN NULL; END $$`, pgx.Identifier{login}.Sanitize()))
	return err
}
