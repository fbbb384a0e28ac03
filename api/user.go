package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/authz"
)

// UserOut is a user as the API shows it.
type UserOut struct {
	Login     string    `json:"login"`
	Name      string    `json:"name"`
	Tenant    string    `json:"tenant"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

func userOut(u duban.User) UserOut {
	return UserOut{Login: u.Login, Name: u.Name, Tenant: u.Tenant, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

type createUserIn struct {
	Body struct {
		Login  string `json:"login" minLength:"2" maxLength:"63" pattern:"^[a-z0-9][a-z0-9._-]{1,62}$" doc:"Login: lower-case letters, digits, . _ -"`
		Name   string `json:"name" minLength:"1" maxLength:"100" doc:"Display name"`
		Tenant string `json:"tenant" minLength:"2" maxLength:"6" doc:"Home tenant code"`
	}
}

type listUsersIn struct {
	Tenant string `query:"tenant" maxLength:"6" doc:"Only users in this tenant's subtree"`
	PageParams
}

func (s *Server) registerUsers(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-user", Method: http.MethodPost, Path: "/v1/users", Tags: []string{"Users"},
		Summary: "Create a user in a tenant of your subtree (admin)", Security: bearerSecurity,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *createUserIn) (*struct{ Body UserOut }, error) {
		b := in.Body
		if strings.TrimSpace(b.Name) == "" {
			return nil, invalid("body.name", "must not be blank", b.Name)
		}
		if !cleanText(b.Name) {
			return nil, invalid("body.name", "must not contain control or text-direction characters / 不得含控制字符或文字方向字符", b.Name)
		}
		t := s.Dir.Get(b.Tenant)
		if t == nil {
			return nil, invalid("body.tenant", "unknown tenant", b.Tenant)
		}
		if err := s.require(ctx, authz.UserCreate, b.Tenant); err != nil {
			return nil, err
		}
		u := &duban.User{Login: b.Login, Name: strings.TrimSpace(b.Name), Tenant: b.Tenant}
		if err := s.DB.CreateUser(ctx, s.Authz.Scope(principal(ctx), authz.UserCreate), u); err != nil {
			if duban.ErrorCode(err) == duban.EConflict {
				return nil, huma.Error409Conflict("login " + b.Login + " is taken, or looks like a login that is (0/o, 1/l/i, 5/s, rn/m, ._-) / 登录名已被占用或与现有登录名形近")
			}
			return nil, problem(err)
		}
		return &struct{ Body UserOut }{userOut(*u)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-users", Method: http.MethodGet, Path: "/v1/users", Tags: []string{"Users"},
		Summary: "List users in your subtree (admin)", Security: bearerSecurity,
	}, func(ctx context.Context, in *listUsersIn) (*struct{ Body Page[UserOut] }, error) {
		scope, after, err := s.listFrom(ctx, authz.UserList, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		us, total, err := s.DB.ListUsers(ctx, scope, duban.UserFilter{Tenant: in.Tenant, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		out := make([]UserOut, len(us))
		for i, u := range us {
			out[i] = userOut(u)
		}
		return &struct{ Body Page[UserOut] }{pageOf(out, total, in.Limit, func(u UserOut) string { return u.Login })}, nil
	})
}

// listScope returns the caller's scope for a list action; with a tenant
// filter the caller must be allowed at that tenant (403 otherwise), without
// one it must hold the action somewhere.
// listFrom checks a list's tenant filter and reads its cursor: the scope to
// list within and where the page starts.
func (s *Server) listFrom(ctx context.Context, action, tenant, cursor string) ([]string, string, error) {
	scope, err := s.listScope(ctx, action, tenant)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeCursor(cursor)
	return scope, after, err
}

// listFromID is listFrom for lists paged by numeric id.
func (s *Server) listFromID(ctx context.Context, action, tenant, cursor string) ([]string, int64, error) {
	scope, err := s.listScope(ctx, action, tenant)
	if err != nil {
		return nil, 0, err
	}
	id, err := decodeIDCursor(cursor)
	return scope, id, err
}

// within is the subtree a list reads: the one asked for, else the tenant of
// a reader bound at one tenant, whose scope is that subtree at most — saying
// so lets the subtree's range (LEAKPROOF) narrow the rows before row-level
// security's expressions run on each (a city's review queue walked the
// nation's submitted work by due time, testing each row's security).
func within(ctx context.Context, tenant string) string {
	if bs := principal(ctx).Bindings; tenant == "" && len(bs) == 1 {
		return bs[0].Tenant
	}
	return tenant
}

func (s *Server) listScope(ctx context.Context, action, tenant string) ([]string, error) {
	if tenant != "" {
		if s.Dir.Get(tenant) == nil {
			return nil, invalid("query.tenant", "unknown tenant", tenant)
		}
		if err := s.require(ctx, action, tenant); err != nil {
			return nil, err
		}
	}
	scope := s.Authz.Scope(principal(ctx), action)
	if len(scope) == 0 {
		return nil, huma.Error403Forbidden("you may not " + action + " anywhere")
	}
	return scope, nil
}
