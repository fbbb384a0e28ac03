package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
)

type devTokenIn struct {
	Body struct {
		User string `json:"user" minLength:"2" maxLength:"63" doc:"Login of a seeded or created user"`
	}
}

type devTokenOut struct {
	Body struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in" doc:"Seconds"`
	}
}

// registerDev adds dev-mode-only operations; never called outside dev mode.
func (s *Server) registerDev(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-dev-token", Method: http.MethodPost, Path: "/v1/dev/tokens", Tags: []string{"Dev"},
		Summary:      "Mint a token for a user (dev mode only)",
		Description:  "Exists only when the server runs under `duban dev`.",
		MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *devTokenIn) (*devTokenOut, error) {
		if _, err := s.DB.GetUser(ctx, duban.SystemScope, in.Body.User); err != nil {
			return nil, problem(err)
		}
		tok, err := s.DevSigner.Sign(in.Body.User, s.Now())
		if err != nil {
			return nil, huma.Error500InternalServerError("internal error")
		}
		out := &devTokenOut{}
		out.Body.Token = tok
		out.Body.ExpiresIn = int(s.DevSigner.TTL.Seconds())
		return out, nil
	})
}

// DevPersona is a user the dev login page offers.
type DevPersona struct {
	Login      string   `json:"login"`
	Name       string   `json:"name"`
	Tenant     string   `json:"tenant"`
	TenantName string   `json:"tenant_name"`
	Roles      []string `json:"roles" doc:"Roles with their tenants and, when limited to one, the line: planner@41, staff@410122/construction"`
}

type devPersonasOut struct {
	Body struct {
		Items []DevPersona `json:"items"`
	}
}

func (s *Server) registerDevPersonas(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-dev-personas", Method: http.MethodGet, Path: "/v1/dev/personas", Tags: []string{"Dev"},
		Summary:     "Users the dev login page offers (dev mode only)",
		Description: "Every enabled user with its role bindings; exists only under `duban dev`.",
	}, func(ctx context.Context, _ *struct{}) (*devPersonasOut, error) {
		users, _, err := s.DB.ListUsers(ctx, duban.SystemScope, duban.UserFilter{Limit: 200})
		if err != nil {
			return nil, problem(err)
		}
		bindings, _, err := s.DB.ListRoleBindings(ctx, duban.SystemScope, duban.RoleBindingFilter{Limit: 500})
		if err != nil {
			return nil, problem(err)
		}
		roles := map[string][]string{}
		for _, b := range bindings {
			r := string(b.Role) + "@" + b.Tenant
			if b.Line != "" {
				r += "/" + string(b.Line)
			}
			roles[b.User] = append(roles[b.User], r)
		}
		out := &devPersonasOut{}
		out.Body.Items = []DevPersona{}
		for _, u := range users {
			if u.Disabled {
				continue
			}
			out.Body.Items = append(out.Body.Items, DevPersona{Login: u.Login, Name: u.Name, Tenant: u.Tenant, TenantName: s.name(u.Tenant), Roles: roles[u.Login]})
		}
		return out, nil
	})
}
