package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
)

// TenantOut is a tenant as the API shows it.
type TenantOut struct {
	Code               string `json:"code" doc:"GB/T 2260 code; 000000 is the national root"`
	Name               string `json:"name" doc:"Official name (Chinese)"`
	Level              string `json:"level" enum:"nation,province,city,county"`
	Parent             string `json:"parent,omitempty" doc:"Geographic parent code"`
	Supervisor         string `json:"supervisor,omitempty" doc:"Supervising tenant code: reviews and receives escalations (the province for 直管县)"`
	Path               string `json:"path" doc:"Supervision path from the root, dot-separated"`
	DirectlySupervised bool   `json:"directly_supervised" doc:"Supervised by someone other than its geographic parent (直管县)"`
}

// TenantDetailOut adds child counts and names.
type TenantDetailOut struct {
	TenantOut
	ParentName         string `json:"parent_name,omitempty"`
	SupervisorName     string `json:"supervisor_name,omitempty"`
	Children           int    `json:"children" doc:"Geographic children"`
	SupervisedChildren int    `json:"supervised_children" doc:"Tenants it supervises directly"`
}

func tenantOut(t duban.Tenant) TenantOut {
	return TenantOut{Code: t.Code, Name: t.Name, Level: string(t.Level), Parent: t.Parent, Supervisor: t.Supervisor,
		Path: t.Path, DirectlySupervised: t.DirectlySupervised()}
}

type listTenantsIn struct {
	Parent string `query:"parent" maxLength:"6" doc:"Geographic children of this code"`
	Q      string `query:"q" maxLength:"50" doc:"Name substring or code prefix"`
	Level  string `query:"level" enum:"nation,province,city,county" doc:"Only this level"`
	PageParams
}

type getTenantIn struct {
	Code string `path:"code" maxLength:"6" doc:"Tenant code"`
}

func (s *Server) registerTenants(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-tenants", Method: http.MethodGet, Path: "/v1/tenants", Tags: []string{"Tenants"},
		Summary:     "List tenants (行政区划)",
		Description: "Children of a code, or a search by name or code prefix, ordered by code. The division tree is public reference data: any signed-in user may read it.",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *listTenantsIn) (*struct{ Body Page[TenantOut] }, error) {
		if in.Parent != "" && s.Dir.Get(in.Parent) == nil {
			return nil, huma.Error404NotFound("tenant " + in.Parent + " not found")
		}
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		ts, total, err := s.DB.ListTenants(ctx, duban.TenantFilter{Parent: in.Parent, Query: in.Q, Level: in.Level, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		out := make([]TenantOut, len(ts))
		for i, t := range ts {
			out[i] = tenantOut(t)
		}
		return &struct{ Body Page[TenantOut] }{pageOf(out, total, in.Limit, func(t TenantOut) string { return t.Code })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-tenant", Method: http.MethodGet, Path: "/v1/tenants/{code}", Tags: []string{"Tenants"},
		Summary: "Get a tenant with its parent, supervisor, level and child counts", Security: bearerSecurity,
	}, func(ctx context.Context, in *getTenantIn) (*struct{ Body TenantDetailOut }, error) {
		t, err := s.DB.GetTenant(ctx, in.Code)
		if err != nil {
			return nil, problem(err)
		}
		out := TenantDetailOut{TenantOut: tenantOut(t.Tenant), Children: t.Children, SupervisedChildren: t.SupervisedChildren}
		if p := s.Dir.Get(t.Parent); p != nil {
			out.ParentName = p.Name
		}
		if p := s.Dir.Get(t.Supervisor); p != nil {
			out.SupervisorName = p.Name
		}
		return &struct{ Body TenantDetailOut }{out}, nil
	})
}
