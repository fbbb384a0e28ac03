package postgres

import (
	"context"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// CreateUser inserts a user (audited) within scope.
func (db *DB) CreateUser(ctx context.Context, scope []string, u *duban.User) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		by := ""
		if p := duban.PrincipalFromContext(ctx); p != nil {
			by = p.Login
		}
		err := tx.QueryRow(ctx, q("create_user"),
			u.Login, u.Name, by, u.Tenant).Scan(&u.CreatedAt, &u.TenantPath)
		if err == pgx.ErrNoRows {
			return duban.Errorf(duban.ENotFound, "tenant %s not found", u.Tenant)
		}
		if err != nil {
			return FormatError(err)
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: u.Tenant, Action: "user.create", Target: "user/" + u.Login,
			Summary: map[string]any{"login": u.Login, "name": u.Name, "tenant": u.Tenant}})
		return err
	}))
}

// GetUser returns a user visible within scope.
func (db *DB) GetUser(ctx context.Context, scope []string, login string) (*duban.User, error) {
	u, _, err := one(ctx, db, scope, "user", q("get_user"), login, scanUser, "")
	return u, err
}

func scanUser(r pgx.CollectableRow) (duban.User, error) {
	var u duban.User
	err := r.Scan(&u.Login, &u.Name, &u.Tenant, &u.TenantPath, &u.Disabled, &u.CreatedAt)
	return u, err
}

// ListUsers returns users within scope ordered by login, and the total.
func (db *DB) ListUsers(ctx context.Context, scope []string, f duban.UserFilter) ([]duban.User, int, error) {
	return page(ctx, db, scope, q("count_users"), q("list_users"), []any{f.Tenant}, f.After, f.Limit, scanUser)
}

// Principal loads the user behind a token and its role bindings (system scope:
// this is how the caller's scope is found in the first place). A missing or
// disabled user is ENotFound.
func (db *DB) Principal(ctx context.Context, login string) (*duban.Principal, error) {
	u, err := db.GetUser(ctx, duban.SystemScope, login)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, duban.Errorf(duban.ENotFound, "user disabled")
	}
	bs, _, err := db.ListRoleBindings(ctx, duban.SystemScope, duban.RoleBindingFilter{User: login, Limit: 1000})
	if err != nil {
		return nil, err
	}
	return &duban.Principal{Login: u.Login, Tenant: u.Tenant, TenantPath: u.TenantPath, Bindings: bs}, nil
}
