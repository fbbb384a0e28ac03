package app

import (
	"context"
	"fmt"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/postgres"
)

// Bootstrap names the first administrator of a fresh database.
type Bootstrap struct {
	Login, Name, Tenant string
	// Force adds the administrator although the tenant has one already.
	Force bool
}

// BootstrapAdmin creates the first administrator of a tenant (the nation,
// or a province) on a migrated database: the user and its admin binding,
// both audited with the actor "bootstrap-admin". Running it again for the
// same login changes nothing; it refuses while another admin holds that
// tenant unless forced. It answers what it did, in one line.
func BootstrapAdmin(ctx context.Context, databaseURL string, b Bootstrap) (string, error) {
	if b.Name == "" {
		b.Name = b.Login
	}
	if !duban.ValidLogin(b.Login) {
		return "", fmt.Errorf("bootstrap-admin: --login %q: 2–63 of a–z, 0–9, '.', '_', '-', starting with a letter or digit", b.Login)
	}
	db, err := postgres.Open(ctx, databaseURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.GetTenant(ctx, b.Tenant); err != nil {
		return "", fmt.Errorf("bootstrap-admin: tenant %s: %s (did you run `duban migrate`?)", b.Tenant, duban.ErrorMessage(err))
	}
	ctx = duban.NewContextWithPrincipal(ctx, &duban.Principal{Login: "bootstrap-admin", Tenant: duban.RootCode})
	ctx = duban.NewContextWithRequestID(ctx, "bootstrap-"+time.Now().UTC().Format("20060102T150405Z"))
	admins, _, err := db.ListRoleBindings(ctx, duban.SystemScope, duban.RoleBindingFilter{Tenant: b.Tenant, Role: string(duban.RoleAdmin), Limit: 500})
	if err != nil {
		return "", err
	}
	for _, a := range admins {
		if a.Tenant != b.Tenant {
			continue
		}
		if a.User == b.Login {
			return fmt.Sprintf("%s is already an administrator of %s: nothing to do", b.Login, b.Tenant), nil
		}
		if !b.Force {
			return "", fmt.Errorf("bootstrap-admin: %s already has an administrator (%s); log in as them, or pass --force to add %s", b.Tenant, a.User, b.Login)
		}
	}
	if err := db.CreateUser(ctx, duban.SystemScope, &duban.User{Login: b.Login, Name: b.Name, Tenant: b.Tenant}); err != nil && duban.ErrorCode(err) != duban.EConflict {
		return "", fmt.Errorf("bootstrap-admin: %s", duban.ErrorMessage(err))
	}
	if err := db.GrantRole(ctx, duban.SystemScope, &duban.RoleBinding{User: b.Login, Role: duban.RoleAdmin, Tenant: b.Tenant, CreatedBy: "bootstrap-admin"}); err != nil {
		return "", fmt.Errorf("bootstrap-admin: %s", duban.ErrorMessage(err))
	}
	return fmt.Sprintf("%s is now an administrator of %s (audited as bootstrap-admin); tokens with sub=%s log in as them", b.Login, b.Tenant, b.Login), nil
}
