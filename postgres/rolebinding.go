package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// GrantRole inserts a binding (audited) within scope; granting an existing
// binding is EConflict.
func (db *DB) GrantRole(ctx context.Context, scope []string, b *duban.RoleBinding) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		by := ""
		if p := duban.PrincipalFromContext(ctx); p != nil {
			by = p.Login
		}
		var exists bool
		if err := tx.QueryRow(ctx, q("user_exists"), b.User).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return duban.Errorf(duban.ENotFound, "user %s not found", b.User)
		}
		err := tx.QueryRow(ctx, q("insert_role_binding"), b.User, string(b.Role), by, b.Tenant, string(b.Line)).
			Scan(&b.ID, &b.CreatedAt, &b.TenantPath)
		if err == pgx.ErrNoRows {
			return duban.Errorf(duban.EConflict, "%s already holds %s at %s in %s", b.User, b.Role, b.Tenant, b.Line.Label())
		}
		if err != nil {
			return err
		}
		b.CreatedBy = by
		_, err = AppendAudit(ctx, tx, Audit{Tenant: b.Tenant, Action: "role.grant", Target: fmt.Sprintf("role-binding/%d", b.ID),
			Summary: map[string]any{"user": b.User, "role": b.Role, "tenant": b.Tenant, "line": b.Line}})
		return err
	}))
}

// GetRoleBinding returns one binding within scope.
func (db *DB) GetRoleBinding(ctx context.Context, scope []string, id int64) (*duban.RoleBinding, error) {
	bs, _, err := db.ListRoleBindings(ctx, scope, duban.RoleBindingFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, duban.Errorf(duban.ENotFound, "role binding %d not found", id)
	}
	return &bs[0], nil
}

// RevokeRole deletes a binding (audited) within scope.
func (db *DB) RevokeRole(ctx context.Context, scope []string, b *duban.RoleBinding) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q("revoke_role"), b.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return duban.Errorf(duban.ENotFound, "role binding %d not found", b.ID)
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: b.Tenant, Action: "role.revoke", Target: fmt.Sprintf("role-binding/%d", b.ID),
			Summary: map[string]any{"user": b.User, "role": b.Role, "tenant": b.Tenant}})
		return err
	}))
}

// ListRoleBindings returns bindings within scope ordered by id, and the total.
func (db *DB) ListRoleBindings(ctx context.Context, scope []string, f duban.RoleBindingFilter) ([]duban.RoleBinding, int, error) {
	return page(ctx, db, scope, q("count_role_bindings"), q("list_role_bindings"), []any{f.ID, f.User, f.Role, f.Tenant, f.Line}, f.AfterID, f.Limit,
		func(r pgx.CollectableRow) (duban.RoleBinding, error) {
			var b duban.RoleBinding
			err := r.Scan(&b.ID, &b.User, &b.Role, &b.Tenant, &b.TenantPath, &b.CreatedAt, &b.CreatedBy, &b.Line)
			return b, err
		})
}

// AllRoleBindings loads every binding, for the authorization policy.
func (db *DB) AllRoleBindings(ctx context.Context) ([]duban.RoleBinding, error) {
	var out []duban.RoleBinding
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("all_role_bindings"))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.RoleBinding, error) {
			var b duban.RoleBinding
			err := r.Scan(&b.ID, &b.User, &b.Role, &b.Tenant, &b.TenantPath, &b.Line)
			return b, err
		})
		return err
	})
	return out, err
}

// Listen calls fn on every policy change notification until ctx ends,
// reconnecting after errors. It is how each instance reloads casbin.
func (db *DB) Listen(ctx context.Context, channel string, fn func()) error {
	for ctx.Err() == nil {
		conn, err := db.Pool.Acquire(ctx)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err == nil {
			fn() // catch up on anything missed while not listening
			for {
				if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
					break
				}
				fn()
			}
		}
		conn.Hijack().Close(context.Background())
	}
	return ctx.Err()
}
