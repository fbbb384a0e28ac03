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

// TestLines: a binding in a line reaches that line's work only; an office
// reaches the lines it coordinates (安委办 every line, 食安办 food safety);
// a line-less action is allowed by a binding of any line; a request for
// every line ("*") needs a binding that reaches every line.
func TestLines(t *testing.T) {
	t.Parallel()
	e, err := authz.New(context.Background(), directory(t), staticBindings{
		{User: "zj", Role: duban.RoleReviewer, Tenant: "4101", Line: duban.LineConstruction},
		{User: "aw", Role: duban.RoleReviewer, Tenant: "4101", Line: duban.LineSafetyOffice},
		{User: "sa", Role: duban.RoleReviewer, Tenant: "4101", Line: duban.LineFoodOffice},
		{User: "all", Role: duban.RoleReviewer, Tenant: "4101"},
		{User: "adm", Role: duban.RoleAdmin, Tenant: "4101", Line: duban.LineMarket},
	})
	require.NoError(t, err)
	for _, c := range []struct {
		user, action, tenant string
		lines                []duban.Line
		want                 bool
	}{
		{"zj", "assignment.review", "410122", []duban.Line{duban.LineConstruction}, true},
		{"zj", "assignment.review", "410122", []duban.Line{duban.LineMarket}, false},
		{"zj", "assignment.review", "410122", []duban.Line{duban.LineMarket, duban.LineConstruction}, true}, // a joint campaign
		{"zj", "assignment.review", "410122", nil, true},
		{"zj", "assignment.review", "410122", []duban.Line{duban.AllLines}, false},
		{"aw", "assignment.review", "410122", []duban.Line{duban.LineMarket}, true},
		{"aw", "assignment.review", "410122", []duban.Line{duban.AllLines}, true},
		{"sa", "assignment.review", "410122", []duban.Line{duban.LineMarket}, true},
		{"sa", "assignment.review", "410122", []duban.Line{duban.LineFoodOffice}, true},
		{"sa", "assignment.review", "410122", []duban.Line{duban.LineConstruction}, false},
		{"all", "assignment.review", "410122", []duban.Line{duban.LineEmergency}, true},
		{"all", "assignment.review", "4102", []duban.Line{duban.LineEmergency}, false},
		{"adm", "role.grant", "410122", []duban.Line{duban.LineMarket}, true},
		{"adm", "role.grant", "410122", []duban.Line{duban.AllLines}, false},
		{"adm", "user.list", "410122", nil, true},
	} {
		got, err := e.Can(c.user, c.action, c.tenant, c.lines...)
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%+v", c)
	}
	p := &duban.Principal{Login: "zj", Bindings: []duban.RoleBinding{{User: "zj", Role: duban.RoleReviewer, Tenant: "4101", TenantPath: "000000.41.4101", Line: duban.LineConstruction}}}
	require.Equal(t, []string{"000000.41.4101", "construction.000000.41.4101"}, e.Scope(p, "assignment.review"))
	require.Empty(t, e.Scope(p, "role.grant"))
}
