package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/authz"
)

// RoleBindingOut is a role binding as the API shows it.
type RoleBindingOut struct {
	ID        int64     `json:"id"`
	User      string    `json:"user"`
	Role      string    `json:"role"`
	Tenant    string    `json:"tenant"`
	Line      string    `json:"line" doc:"The department line (条线) the role applies to; empty: every line"`
	LineName  string    `json:"line_name" doc:"The line's name, e.g. 住房城乡建设 construction"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

func bindingOut(b duban.RoleBinding) RoleBindingOut {
	return RoleBindingOut{ID: b.ID, User: b.User, Role: string(b.Role), Tenant: b.Tenant, Line: string(b.Line), LineName: b.Line.Label(), CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy}
}

type grantRoleIn struct {
	Body struct {
		User   string `json:"user" minLength:"2" maxLength:"63" doc:"Login of the user"`
		Role   string `json:"role" enum:"admin,planner,reviewer,staff,viewer"`
		Tenant string `json:"tenant" minLength:"2" maxLength:"6" doc:"Tenant code where the role applies"`
		Line   string `json:"line,omitempty" enum:",*,construction,emergency,market,safety_office,food_office" doc:"Department line (条线) the role applies to; omitted, empty or * for every line. An office (safety_office 安委办, food_office 食安办) also reaches the lines it coordinates."`
	}
}

type listRoleBindingsIn struct {
	Tenant string `query:"tenant" maxLength:"6" doc:"Only bindings in this tenant's subtree"`
	User   string `query:"user" maxLength:"63"`
	Role   string `query:"role" enum:"admin,planner,reviewer,staff,viewer"`
	Line   string `query:"line" enum:"*,construction,emergency,market,safety_office,food_office" doc:"Only bindings of this line (* : those of every line)"`
	PageParams
}

type revokeRoleIn struct {
	ID int64 `path:"id" minimum:"1"`
}

func (s *Server) registerRoleBindings(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "grant-role", Method: http.MethodPost, Path: "/v1/role-bindings", Tags: []string{"Roles"},
		Summary:     "Grant a role to a user at a tenant (admin)",
		Description: "An admin grants only within its own subtree; a grant at a tenant above or beside its own is refused with 403 and audited.",
		Security:    bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *grantRoleIn) (*struct{ Body RoleBindingOut }, error) {
		b := in.Body
		if s.Dir.Get(b.Tenant) == nil {
			return nil, invalid("body.tenant", "unknown tenant", b.Tenant)
		}
		line := duban.Line(b.Line)
		if line == duban.AllLines {
			line = ""
		}
		if err := s.requireBindingLine(ctx, authz.RoleGrant, b.Tenant, line, "user/"+b.User, map[string]any{"user": b.User, "role": b.Role, "line": line}); err != nil {
			return nil, err
		}
		rb := &duban.RoleBinding{User: b.User, Role: duban.Role(b.Role), Tenant: b.Tenant, Line: line}
		if err := s.DB.GrantRole(ctx, s.Authz.Scope(principal(ctx), authz.RoleGrant), rb); err != nil {
			return nil, problem(err)
		}
		s.reloadPolicy()
		return &struct{ Body RoleBindingOut }{bindingOut(*rb)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "revoke-role", Method: http.MethodDelete, Path: "/v1/role-bindings/{id}", Tags: []string{"Roles"},
		Summary: "Revoke a role binding (admin)", Security: bearerSecurity, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *revokeRoleIn) (*struct{}, error) {
		scope := s.Authz.Scope(principal(ctx), authz.RoleRevoke)
		b, err := s.DB.GetRoleBinding(ctx, scope, in.ID)
		if err != nil {
			return nil, problem(err)
		}
		if err := s.requireBindingLine(ctx, authz.RoleRevoke, b.Tenant, b.Line, "role-binding/"+strconv.FormatInt(b.ID, 10), map[string]any{"user": b.User, "role": b.Role, "line": b.Line}); err != nil {
			return nil, err
		}
		if err := s.DB.RevokeRole(ctx, scope, b); err != nil {
			return nil, problem(err)
		}
		s.reloadPolicy()
		return &struct{}{}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-role-bindings", Method: http.MethodGet, Path: "/v1/role-bindings", Tags: []string{"Roles"},
		Summary: "List role bindings in your subtree (admin)", Security: bearerSecurity,
	}, func(ctx context.Context, in *listRoleBindingsIn) (*struct{ Body Page[RoleBindingOut] }, error) {
		scope, after, err := s.listFromID(ctx, authz.RoleList, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		bs, total, err := s.DB.ListRoleBindings(ctx, scope, duban.RoleBindingFilter{Tenant: in.Tenant, User: in.User, Role: in.Role, Line: in.Line, AfterID: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		out := make([]RoleBindingOut, len(bs))
		for i, b := range bs {
			out[i] = bindingOut(b)
		}
		return &struct{ Body Page[RoleBindingOut] }{pageOf(out, total, in.Limit, func(b RoleBindingOut) string { return strconv.FormatInt(b.ID, 10) })}, nil
	})
}

// requireBindingLine: granting or revoking a binding in a line needs the
// action in every line the binding reaches (a binding that reaches every
// line needs an admin of every line).
func (s *Server) requireBindingLine(ctx context.Context, action, tenant string, line duban.Line, target string, summary map[string]any) error {
	reach := line.Reach()
	if len(reach) == len(duban.Lines()) {
		return s.requireFor(ctx, action, tenant, target, summary, duban.AllLines)
	}
	for _, l := range reach {
		if err := s.requireFor(ctx, action, tenant, target, summary, l); err != nil {
			return err
		}
	}
	return nil
}

// reloadPolicy refreshes this instance's enforcer at once; other instances
// follow through LISTEN/NOTIFY.
func (s *Server) reloadPolicy() {
	_ = s.Authz.Reload()
	s.ForgetPrincipals()
}
