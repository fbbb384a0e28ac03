package authz_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/duban/duban"
	"github.com/duban/duban/authz"
)

// nationalBindings spreads 10,000 role bindings over the national tree:
// one user per binding, tenants and roles round-robin.
func nationalBindings(dir []duban.Tenant) staticBindings {
	roles := duban.Roles
	out := make(staticBindings, 0, 10000)
	for i := 0; i < 10000; i++ {
		t := dir[i%len(dir)]
		out = append(out, duban.RoleBinding{User: fmt.Sprintf("u%05d", i), Role: roles[i%len(roles)], Tenant: t.Code, TenantPath: t.Path})
	}
	return out
}

type benchCase struct {
	user, action, tenant string
	want                 bool
}

func benchSetup(b *testing.B) (*authz.Enforcer, []benchCase, map[string]bool) {
	b.Helper()
	ts := mustTenants(b)
	dir := duban.NewDirectory(ts)
	bs := nationalBindings(ts)
	e, err := authz.New(context.Background(), dir, bs)
	if err != nil {
		b.Fatal(err)
	}
	// a mix of questions: at the binding's tenant, in its subtree, outside it
	var cases []benchCase
	answers := map[string]bool{}
	for i := 0; i < 1000; i++ {
		bnd := bs[(i*37)%len(bs)]
		target := ts[(i*101)%len(ts)].Code
		if i%3 == 0 {
			target = bnd.Tenant
		}
		action := []string{"campaign.read", "assignment.review", "user.create", "assignment.submit"}[i%4]
		ok, err := e.Can(bnd.User, action, target)
		if err != nil {
			b.Fatal(err)
		}
		cases = append(cases, benchCase{bnd.User, action, target, ok})
		answers[bnd.User+"|"+action+"|"+target] = ok
	}
	return e, cases, answers
}

func mustTenants(b testing.TB) []duban.Tenant {
	ts := directoryTenants(b)
	return ts
}

// BenchmarkDecision: one casbin decision with the national tree and 10,000
// role bindings.
func BenchmarkDecision(b *testing.B) {
	e, cases, _ := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := cases[i%len(cases)]
		if ok, _ := e.Can(c.user, c.action, c.tenant); ok != c.want {
			b.Fatal("decision changed")
		}
	}
}

// BenchmarkDecisionUncached: the same decisions, always evaluated by casbin.
func BenchmarkDecisionUncached(b *testing.B) {
	e, cases, _ := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := cases[i%len(cases)]
		if ok, _ := e.Decide(c.user, c.action, c.tenant, ""); ok != c.want {
			b.Fatal("decision changed")
		}
	}
}

// BenchmarkDecisionBaselineMap: the same answers from a plain map.
func BenchmarkDecisionBaselineMap(b *testing.B) {
	_, cases, answers := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := cases[i%len(cases)]
		if answers[c.user+"|"+c.action+"|"+c.tenant] != c.want {
			b.Fatal("answer changed")
		}
	}
}

// BenchmarkPolicyReload: loading the policy with 10,000 bindings.
func BenchmarkPolicyReload(b *testing.B) {
	e, _, _ := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.Reload(); err != nil {
			b.Fatal(err)
		}
	}
}
