package e2e

import (
	"context"
	"testing"

	"github.com/duban/duban/internal/app"
	"github.com/stretchr/testify/require"
)

// TestBootstrapAdmin: the first administrator of a tenant is created once,
// audited, refused while another admin holds the tenant (unless forced),
// and can use the API at once.
func TestBootstrapAdmin(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := context.Background()
	url := s.db.AppURL

	msg, err := app.BootstrapAdmin(ctx, url, app.Bootstrap{Login: "hubei-chief", Name: "湖北省系统管理员", Tenant: "42"})
	require.NoError(t, err)
	require.Contains(t, msg, "now an administrator of 42")
	msg, err = app.BootstrapAdmin(ctx, url, app.Bootstrap{Login: "hubei-chief", Tenant: "42"})
	require.NoError(t, err, "idempotent")
	require.Contains(t, msg, "nothing to do")
	_, err = app.BootstrapAdmin(ctx, url, app.Bootstrap{Login: "hubei-second", Tenant: "42"})
	require.ErrorContains(t, err, "already has an administrator (hubei-chief)")
	_, err = app.BootstrapAdmin(ctx, url, app.Bootstrap{Login: "hubei-second", Tenant: "42", Force: true})
	require.NoError(t, err)
	_, err = app.BootstrapAdmin(ctx, url, app.Bootstrap{Login: "Bad Login", Tenant: "42"})
	require.ErrorContains(t, err, "--login")
	_, err = app.BootstrapAdmin(ctx, url, app.Bootstrap{Login: "x-admin", Tenant: "999999"})
	require.ErrorContains(t, err, "tenant 999999")
	// the nation has its admin (seeded): refused without --force
	_, err = app.BootstrapAdmin(ctx, url, app.Bootstrap{Login: "nation-chief", Tenant: "000000"})
	require.ErrorContains(t, err, "already has an administrator")

	require.NoError(t, s.app.Authz.Reload())
	r := s.call("hubei-chief", "GET", "/v1/users?tenant=42", nil)
	require.Equal(t, 200, r.Status, string(r.Raw))
	var n int
	require.NoError(t, s.admin().QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE actor = 'bootstrap-admin' AND action = 'role.grant'`).Scan(&n))
	require.Equal(t, 2, n, "each grant audited once")
	v := s.call("nation-admin", "GET", "/v1/audit/verify?tenant=42", nil)
	require.Equal(t, true, v.Body["ok"], string(v.Raw))
}
