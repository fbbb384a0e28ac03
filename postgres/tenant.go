package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// AllTenants loads the whole tree (reference data, not tenant-scoped).
func (db *DB) AllTenants(ctx context.Context) ([]duban.Tenant, error) {
	rows, err := db.Pool.Query(ctx, `SELECT code, name, level, coalesce(parent, ''), coalesce(supervisor, ''), path::text FROM tenants ORDER BY path`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.Tenant, error) {
		var t duban.Tenant
		err := r.Scan(&t.Code, &t.Name, &t.Level, &t.Parent, &t.Supervisor, &t.Path)
		return t, err
	})
}

// GetTenant returns one tenant with child counts.
func (db *DB) GetTenant(ctx context.Context, code string) (*duban.TenantDetail, error) {
	var t duban.TenantDetail
	err := db.Pool.QueryRow(ctx, `
		SELECT code, name, level, coalesce(parent, ''), coalesce(supervisor, ''), path::text,
		  (SELECT count(*) FROM tenants c WHERE c.parent = t.code),
		  (SELECT count(*) FROM tenants c WHERE c.supervisor = t.code)
		FROM tenants t WHERE code = $1`, code).
		Scan(&t.Code, &t.Name, &t.Level, &t.Parent, &t.Supervisor, &t.Path, &t.Children, &t.SupervisedChildren)
	if err != nil {
		return nil, FormatError(err)
	}
	return &t, nil
}

// ListTenants returns a page of tenants ordered by code, the total matching
// and whether more follow.
func (db *DB) ListTenants(ctx context.Context, f duban.TenantFilter) ([]duban.Tenant, int, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Parent != "" {
		where = append(where, "parent = "+arg(f.Parent))
	}
	if f.Query != "" {
		p := arg(f.Query)
		where = append(where, fmt.Sprintf("(code LIKE %s || '%%' OR strpos(name, %s) > 0)", p, p))
	}
	if f.Level != "" {
		where = append(where, "level = "+arg(f.Level))
	}
	if f.Within != nil {
		where = append(where, "path <@ "+arg(scopeLiteral(f.Within))+"::ltree[]")
	}
	cond := "true"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	var total int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE "+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page := cond
	if f.After != "" {
		page += " AND code > " + arg(f.After)
	}
	rows, err := db.Pool.Query(ctx, `SELECT code, name, level, coalesce(parent, ''), coalesce(supervisor, ''), path::text
		FROM tenants WHERE `+page+` ORDER BY code LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, 0, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.Tenant, error) {
		var t duban.Tenant
		err := r.Scan(&t.Code, &t.Name, &t.Level, &t.Parent, &t.Supervisor, &t.Path)
		return t, err
	})
	return items, total, err
}
