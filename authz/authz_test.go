package authz_test

import (
	"context"
	"testing"

	"github.com/duban/duban"
	"github.com/duban/duban/authz"
	"github.com/duban/duban/division"
	"github.com/stretchr/testify/require"
)

type staticBindings []duban.RoleBinding

func (s staticBindings) AllRoleBindings(context.Context) ([]duban.RoleBinding, error) { return s, nil }

func directory(t testing.TB) *duban.Directory {
	return duban.NewDirectory(directoryTenants(t))
}

func directoryTenants(t testing.TB) []duban.Tenant {
	ts, err := division.Tenants()
	require.NoError(t, err)
	return ts
}

// TestDecisionTable: role × relation × action → allow/deny. Each role is
// bound at Henan (41), except staff, bound at its county as staff are.
func TestDecisionTable(t *testing.T) {
	t.Parallel()
	dir := directory(t)
	bindings := staticBindings{
		{User: "a", Role: duban.RoleAdmin, Tenant: "41"},
		{User: "p", Role: duban.RolePlanner, Tenant: "41"},
		{User: "r", Role: duban.RoleReviewer, Tenant: "41"},
		{User: "v", Role: duban.RoleViewer, Tenant: "41"},
		{User: "s", Role: duban.RoleStaff, Tenant: "41"},
	}
	e, err := authz.New(context.Background(), dir, bindings)
	require.NoError(t, err)

	relations := []struct{ name, tenant string }{
		{"own", "41"},
		{"child", "4101"},
		{"grandchild", "410122"},
		{"direct county", "410225"},
		{"sibling", "42"},
		{"parent", "000000"},
		{"other province", "420102"},
	}
	inside := map[string]bool{"own": true, "child": true, "grandchild": true, "direct county": true}
	// expected[role][action] = "subtree" | "own" | "" (never)
	expected := map[string]map[string]string{
		"a": {"tenant.read": "subtree", "user.list": "subtree", "user.create": "subtree", "role.grant": "subtree", "role.revoke": "subtree", "role.list": "subtree", "audit.list": "subtree", "audit.verify": "subtree", "campaign.launch": "", "assignment.review": "", "assignment.submit": ""},
		"p": {"tenant.read": "subtree", "user.list": "", "user.create": "", "role.grant": "", "role.revoke": "", "role.list": "", "audit.list": "", "audit.verify": "", "campaign.launch": "subtree", "assignment.review": "subtree", "assignment.submit": "subtree"},
		"r": {"tenant.read": "subtree", "user.list": "", "user.create": "", "role.grant": "", "role.revoke": "", "role.list": "", "audit.list": "", "audit.verify": "", "campaign.launch": "", "assignment.review": "subtree", "assignment.submit": "subtree"},
		"v": {"tenant.read": "subtree", "user.list": "", "user.create": "", "role.grant": "", "role.revoke": "", "role.list": "", "audit.list": "", "audit.verify": "", "campaign.launch": "", "assignment.review": "", "assignment.submit": ""},
		"s": {"tenant.read": "own", "user.list": "", "user.create": "", "role.grant": "", "role.revoke": "", "role.list": "", "audit.list": "", "audit.verify": "", "campaign.launch": "", "assignment.review": "", "assignment.submit": "own"},
	}
	for user, actions := range expected {
		for action, scope := range actions {
			for _, rel := range relations {
				want := scope == "subtree" && inside[rel.name] || scope == "own" && rel.name == "own"
				got, err := e.Can(user, action, rel.tenant)
				require.NoError(t, err)
				require.Equal(t, want, got, "user %s action %s at %s (%s)", user, action, rel.name, rel.tenant)
			}
		}
	}
}

// TestSupervisionNotGeography: Kaifeng's reviewer does not reach Lankao,
// which the province supervises directly; Zhengzhou's reaches Zhongmu.
func TestSupervisionNotGeography(t *testing.T) {
	t.Parallel()
	e, err := authz.New(context.Background(), directory(t), staticBindings{
		{User: "kf", Role: duban.RoleReviewer, Tenant: "4102"},
		{User: "zz", Role: duban.RoleReviewer, Tenant: "4101"},
	})
	require.NoError(t, err)
	for _, c := range []struct {
		user, tenant string
		want         bool
	}{{"kf", "410225", false}, {"kf", "410204", true}, {"zz", "410122", true}, {"zz", "4102", false}, {"nobody", "41", false}, {"zz", "999999", false}} {
		got, err := e.Can(c.user, "assignment.review", c.tenant)
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%+v", c)
	}
}

func TestReload(t *testing.T) {
	t.Parallel()
	src := &mutable{}
	e, err := authz.New(context.Background(), directory(t), src)
	require.NoError(t, err)
	ok, _ := e.Can("u", "tenant.read", "41")
	require.False(t, ok)
	src.b = staticBindings{{User: "u", Role: duban.RoleViewer, Tenant: "41"}}
	require.NoError(t, e.Reload())
	ok, _ = e.Can("u", "tenant.read", "4101")
	require.True(t, ok)
}

type mutable struct{ b staticBindings }

func (m *mutable) AllRoleBindings(ctx context.Context) ([]duban.RoleBinding, error) { return m.b, nil }
