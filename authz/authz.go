// Package authz decides who may do what where, with casbin: role × tenant
// subtree × action. The model and the role table are embedded here; role
// bindings are read from PostgreSQL and reloaded when they change.
package authz

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/duban/duban"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText []byte

// Actions named by the API. Patterns in policy.csv match them with globMatch.
const (
	TenantRead  = "tenant.read"
	UserList    = "user.list"
	UserCreate  = "user.create"
	RoleList    = "role.list"
	RoleGrant   = "role.grant"
	RoleRevoke  = "role.revoke"
	AuditList   = "audit.list"
	AuditVerify = "audit.verify"
)

// BindingSource supplies the role bindings (the g lines).
type BindingSource interface {
	AllRoleBindings(ctx context.Context) ([]duban.RoleBinding, error)
}

// Permission is one line of the role table.
type Permission struct {
	Role   duban.Role
	Action string // glob pattern
	Scope  string // "own" or "subtree"
}

// Permissions returns the embedded role table.
func Permissions() []Permission {
	var out []Permission
	sc := bufio.NewScanner(bytes.NewReader(policyText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		for _, a := range strings.Split(f[2], "|") {
			out = append(out, Permission{Role: duban.Role(f[1]), Action: a, Scope: f[3]})
		}
	}
	return out
}

// ActionMatch reports whether action matches one of the |-separated glob
// patterns ("*.read|user.*").
func ActionMatch(action, patterns string) bool {
	for patterns != "" {
		p := patterns
		if i := strings.IndexByte(patterns, '|'); i >= 0 {
			p, patterns = patterns[:i], patterns[i+1:]
		} else {
			patterns = ""
		}
		if ok, _ := path.Match(p, action); ok {
			return true
		}
	}
	return false
}

// Enforcer answers authorization questions. It is safe for concurrent use.
type Enforcer struct {
	e   *casbin.SyncedEnforcer
	dir *duban.Directory
	mu  sync.Mutex // serialises reloads

	// decisions caches answers of the current policy generation: casbin's
	// evaluation costs tens of µs (BENCHMARKS.md), a repeated question
	// far less. Cleared on every reload and when it grows past maxCached.
	decisions sync.Map // key → cached
	gen       atomic.Uint64
	cached    atomic.Int64
}

type cached struct {
	gen uint64
	ok  bool
}

// maxCached bounds the decision cache.
const maxCached = 200_000

// New builds an enforcer over the tenant directory and loads the bindings.
func New(ctx context.Context, dir *duban.Directory, src BindingSource) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("authz model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, &adapter{ctx: ctx, src: src})
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	e.EnableAutoSave(false)
	e.AddFunction("actMatch", func(args ...interface{}) (interface{}, error) {
		return ActionMatch(args[0].(string), args[1].(string)), nil
	})
	return &Enforcer{e: e, dir: dir}, nil
}

// Reload reads the bindings again (called on every policy change notice).
func (x *Enforcer) Reload() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	err := x.e.LoadPolicy()
	x.gen.Add(1)
	x.decisions.Clear()
	x.cached.Store(0)
	return err
}

// Can reports whether login may do action at the tenant with code, in one
// of the given department lines. Without lines the action is line-less
// (users, roles, the audit log, the calendar): any line the login holds
// there will do. Line "*" (duban.AllLines) needs a binding that reaches
// every line. Unknown tenants are never allowed.
func (x *Enforcer) Can(login, action, tenant string, lines ...duban.Line) (bool, error) {
	if len(lines) == 0 {
		lines = anyLine
	}
	for _, l := range lines {
		ok, err := x.can(login, action, tenant, string(l))
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// anyLine: a line-less action is allowed by a binding of any line.
var anyLine = append([]duban.Line{duban.AllLines}, duban.Lines()...)

func (x *Enforcer) can(login, action, tenant, line string) (bool, error) {
	key := login + "\x00" + action + "\x00" + tenant + "\x00" + line
	gen := x.gen.Load()
	if v, ok := x.decisions.Load(key); ok && v.(cached).gen == gen {
		return v.(cached).ok, nil
	}
	ok, err := x.Decide(login, action, tenant, line)
	if err != nil {
		return false, err
	}
	if x.cached.Add(1) > maxCached {
		x.decisions.Clear()
		x.cached.Store(0)
	}
	x.decisions.Store(key, cached{gen: gen, ok: ok})
	return ok, nil
}

// Decide asks casbin, bypassing the decision cache.
func (x *Enforcer) Decide(login, action, tenant, line string) (bool, error) {
	t := x.dir.Get(tenant)
	if t == nil {
		return false, nil
	}
	if line == "" {
		line = duban.AllLines
	}
	anc := x.dir.Ancestors(tenant)
	a := [3]string{"-", "-", "-"}
	copy(a[:], anc)
	return x.e.Enforce(login, action, tenant, line, a[0], a[1], a[2])
}

// Scope returns the supervision paths under which p may do action, for
// row-level security: for each binding whose role grants the action, the
// binding's tenant path (rows without a line: users, notifications, the
// audit log) and, for each line the binding reaches, the line path
// (duban.LinePath) that line-scoped rows are matched by. Own-scope roles
// (staff) are bound at county level, whose subtree is the county itself.
func (x *Enforcer) Scope(p *duban.Principal, action string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, b := range p.Bindings {
		for _, l := range b.Line.Reach() {
			if ok, err := x.can(p.Login, action, b.Tenant, string(l)); err == nil && ok {
				add(b.TenantPath)
				add(duban.LinePath(l, b.TenantPath))
			}
		}
	}
	return out
}

// Lines returns the lines in which p may do action at tenant (for
// defaults: a hazard reported by a construction clerk is construction's).
func (x *Enforcer) Lines(p *duban.Principal, action, tenant string) []duban.Line {
	var out []duban.Line
	for _, l := range duban.Lines() {
		if ok, _ := x.can(p.Login, action, tenant, string(l)); ok {
			out = append(out, l)
		}
	}
	return out
}

// adapter is a read-only casbin adapter: p lines from the embedded role
// table, g lines from the role-binding table. Writes go through the store.
type adapter struct {
	ctx context.Context
	src BindingSource
}

func (a *adapter) LoadPolicy(m model.Model) error {
	sc := bufio.NewScanner(bytes.NewReader(policyText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := persist.LoadPolicyLine(line, m); err != nil {
			return err
		}
	}
	bs, err := a.src.AllRoleBindings(a.ctx)
	if err != nil {
		return fmt.Errorf("load role bindings: %w", err)
	}
	for _, b := range bs {
		for _, dom := range bindingDomains(b) {
			if err := persist.LoadPolicyArray([]string{"g", b.User, string(b.Role), dom}, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// bindingDomains are the g-line domains of a binding: "tenant/*" when it
// reaches every line, else "tenant/line" per line it reaches.
func bindingDomains(b duban.RoleBinding) []string {
	reach := b.Line.Reach()
	if len(reach) == len(duban.Lines()) {
		return []string{b.Tenant + "/" + duban.AllLines}
	}
	out := make([]string, len(reach))
	for i, l := range reach {
		out[i] = b.Tenant + "/" + string(l)
	}
	return out
}

var errReadOnly = fmt.Errorf("authz adapter is read-only: change role bindings through the store")

func (a *adapter) SavePolicy(model.Model) error                              { return errReadOnly }
func (a *adapter) AddPolicy(string, string, []string) error                  { return errReadOnly }
func (a *adapter) RemovePolicy(string, string, []string) error               { return errReadOnly }
func (a *adapter) RemoveFilteredPolicy(string, string, int, ...string) error { return errReadOnly }
