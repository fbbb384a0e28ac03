package postgres

import (
	"context"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// AllTenants loads the whole tree (reference data, not tenant-scoped).
func (db *DB) AllTenants(ctx context.Context) ([]duban.Tenant, error) {
	rows, err := db.Pool.Query(ctx, q("all_tenants"))
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
	err := db.Pool.QueryRow(ctx, q("get_tenant"), code).
		Scan(&t.Code, &t.Name, &t.Level, &t.Parent, &t.Supervisor, &t.Path, &t.Children, &t.SupervisedChildren)
	if err != nil {
		return nil, FormatError(err)
	}
	return &t, nil
}

// ListTenants returns a page of tenants ordered by code, the total matching
// and whether more follow.
func (db *DB) ListTenants(ctx context.Context, f duban.TenantFilter) ([]duban.Tenant, int, error) {
	var within any // NULL: no limit
	if f.Within != nil {
		within = scopeLiteral(f.Within)
	}
	// the tree is public reference data: no row-level scope applies
	return page(ctx, db, nil, q("count_tenants"), q("list_tenants"), []any{f.Parent, f.Query, f.Level, within}, f.After, f.Limit,
		func(r pgx.CollectableRow) (duban.Tenant, error) {
			var t duban.Tenant
			err := r.Scan(&t.Code, &t.Name, &t.Level, &t.Parent, &t.Supervisor, &t.Path)
			return t, err
		})
}
