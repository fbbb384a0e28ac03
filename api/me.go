package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/authz"
)

// MeRole is one of the caller's role bindings, with the tenant's name.
type MeRole struct {
	Role       string `json:"role"`
	Tenant     string `json:"tenant"`
	TenantName string `json:"tenant_name"`
	Level      string `json:"level" doc:"nation, province, city or county"`
	Line       string `json:"line" doc:"Department line (条线); empty: every line"`
	LineName   string `json:"line_name"`
}

// MeOut is the caller as the console needs it.
type MeOut struct {
	Login      string   `json:"login"`
	Name       string   `json:"name"`
	Tenant     string   `json:"tenant"`
	TenantName string   `json:"tenant_name"`
	Roles      []MeRole `json:"roles"`
	// Can lists the actions the caller holds somewhere, for the console's
	// menu (the API decides each request; the menu only hides).
	Can []string `json:"can"`
}

// consoleActions are the actions the console's menu depends on.
var consoleActions = []string{
	actAssignmentSubmit, actAssignmentReview, actAssignmentSignOff, actCampaignLaunch, actCircularGenerate,
	actHazardReport, actHazardRectify, actHazardVerify, actAccidentReport, actAccidentForward, authz.UserCreate, authz.RoleGrant, authz.AuditList,
	actWebhookCreate, actCalendarSet, actAttachmentUpload, actRegistryWrite, actRegistryVerify, actDangerousGate, actPersonReveal,
	actSummonsSchedule, actSummonsMinutes, actFollowUpComplete, actFollowUpExtend, actAssessmentCreate,
}

func (s *Server) registerMe(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/v1/me", Tags: []string{"Users"},
		Summary: "Who am I: the caller, its roles and what it may do", Security: bearerSecurity,
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body MeOut }, error) {
		p := principal(ctx)
		u, err := s.DB.GetUser(ctx, duban.SystemScope, p.Login)
		if err != nil {
			return nil, problem(err)
		}
		out := MeOut{Login: p.Login, Name: u.Name, Tenant: p.Tenant, TenantName: s.name(p.Tenant), Roles: []MeRole{}, Can: []string{}}
		for _, b := range p.Bindings {
			r := MeRole{Role: string(b.Role), Tenant: b.Tenant, TenantName: s.name(b.Tenant), Line: string(b.Line), LineName: b.Line.Label()}
			if t := s.Dir.Get(b.Tenant); t != nil {
				r.Level = string(t.Level)
			}
			out.Roles = append(out.Roles, r)
		}
		for _, a := range consoleActions {
			for _, b := range p.Bindings {
				if ok, _ := s.Authz.Can(p.Login, a, b.Tenant); ok {
					out.Can = append(out.Can, a)
					break
				}
			}
		}
		return &struct{ Body MeOut }{out}, nil
	})
}

// name is a tenant's name ("" when unknown).
func (s *Server) name(code string) string { return s.Dir.Name(code) }
