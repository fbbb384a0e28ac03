package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
)

// Authorization actions on hazards.
const (
	actHazardRead    = "hazard.read"
	actHazardReport  = "hazard.report"
	actHazardRectify = "hazard.rectify"
	actHazardVerify  = "hazard.verify"
)

// HazardDetail is a hazard with its history.
type HazardDetail struct {
	duban.Hazard
	History []duban.HazardEvent `json:"history"`
}

type hazardPath struct {
	ID string `path:"id" maxLength:"40" doc:"Hazard id"`
}

func (s *Server) registerHazards(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "report-hazard", Method: http.MethodPost, Path: "/v1/hazards", Tags: []string{"Hazards"},
		Summary:     "Report a hazard (隐患): it is tracked to verified closure (staff or reviewer of the tenant)",
		Description: "A major hazard (重大隐患) is listed for supervision by the province (挂牌督办) and needs a rectification plan with the five elements (五到位) before it can be rectified.",
		Security:    bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		IdempotencyKey string `header:"Idempotency-Key" maxLength:"128" doc:"Retrying with the same key returns the first response"`
		Body           duban.HazardRequest
	}) (*struct{ Body HazardDetail }, error) {
		p := principal(ctx)
		h, err := in.Body.Validate(s.Dir, s.Now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return nil, problem(err)
		}
		var campaignLines []duban.Line
		if h.Campaign != "" {
			c, err := s.campaign(ctx, h.Campaign)
			if err != nil {
				return nil, invalid("body.campaign", "unknown campaign", h.Campaign)
			}
			if !s.Dir.Within(h.Tenant, c.Scope) {
				return nil, invalid("body.campaign", "the tenant lies outside the campaign's scope", h.Campaign)
			}
			campaignLines = c.Lines
		}
		if h.Line, err = s.objectLine(ctx, actHazardReport, h.Tenant, h.Line, campaignLines, duban.LineConstruction); err != nil {
			return nil, err
		}
		if err := s.registryRefs(ctx, h.Tenant, h.Enterprise, h.Project); err != nil {
			return nil, err
		}
		h.ID, h.ReportedBy = objectID(ctx, "h", p.Login), p.Login
		sup := s.Dir.Get(h.Tenant).Supervisor
		err = s.Engine.Start(ctx, workflows.HazardWorkflowID(h.ID), workflows.HazardWorkflowName,
			workflows.HazardInput{Hazard: *h, RequestID: duban.RequestIDFromContext(ctx), Reviewer: sup, Reminders: []int{3, 1}, Escalation: duban.DefaultEscalation})
		if err != nil {
			return nil, problem(err)
		}
		// the answer is what the workflow recorded (a retry under the same
		// key finds the first one's hazard)
		var recorded duban.Hazard
		if err := s.Engine.Update(ctx, workflows.HazardWorkflowID(h.ID), workflows.UpdateRecorded, nil, &recorded); err != nil {
			return nil, problem(err)
		}
		got, hist, err := s.DB.GetHazard(ctx, s.Authz.Scope(p, actHazardRead), h.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body HazardDetail }{HazardDetail{*got, hist}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-hazards", Method: http.MethodGet, Path: "/v1/hazards", Tags: []string{"Hazards"},
		Summary: "List hazards in your subtree", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant     string `query:"tenant" maxLength:"6" doc:"Only this tenant's supervision subtree"`
		Grade      string `query:"grade" enum:"general,major"`
		State      string `query:"state" enum:"open,rectified,closed"`
		Overdue    string `query:"overdue" enum:"true,false" doc:"Past the rectification deadline or the re-inspection due date"`
		Listed     string `query:"listed" enum:"true,false" doc:"Listed for supervision (挂牌督办)"`
		Campaign   string `query:"campaign" maxLength:"64"`
		Enterprise string `query:"enterprise" maxLength:"18" doc:"Only hazards concerning this enterprise (credit code)"`
		Project    string `query:"project" maxLength:"64" doc:"Only hazards concerning this project (code)"`
		PageParams
	}) (*struct{ Body Page[duban.Hazard] }, error) {
		scope, after, err := s.listFrom(ctx, actHazardRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		f := duban.HazardFilter{Within: within(ctx, in.Tenant), Grade: in.Grade, State: in.State, Campaign: in.Campaign,
			Enterprise: strings.ToUpper(in.Enterprise), Project: in.Project, After: after, Limit: in.Limit}
		f.Overdue, f.Listed = boolParam(in.Overdue), boolParam(in.Listed)
		items, total, err := s.DB.ListHazards(ctx, scope, f)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.Hazard] }{pageOf(items, total, in.Limit, func(h duban.Hazard) string { return h.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-hazard", Method: http.MethodGet, Path: "/v1/hazards/{id}", Tags: []string{"Hazards"},
		Summary: "Get a hazard with its history", Security: bearerSecurity,
	}, func(ctx context.Context, in *hazardPath) (*struct{ Body HazardDetail }, error) {
		h, hist, err := s.DB.GetHazard(ctx, s.Authz.Scope(principal(ctx), actHazardRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body HazardDetail }{HazardDetail{*h, hist}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "rectify-hazard", Method: http.MethodPost, Path: "/v1/hazards/{id}/rectify", Tags: []string{"Hazards"},
		Summary:     "Report the rectification done and ask for the on-site re-inspection (staff or reviewer of the tenant)",
		Description: "A major hazard needs its rectification plan with the five elements in place (五到位): give it here if it was not given with the report.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"40" doc:"Hazard id"`
		Body struct {
			Rectification string                   `json:"rectification" minLength:"1" maxLength:"5000" doc:"What was done"`
			Photos        []string                 `json:"photos,omitempty" maxItems:"50" doc:"Attachment references (att_…)"`
			Plan          *duban.RectificationPlan `json:"plan,omitempty"`
		}
	}) (*struct{ Body duban.Hazard }, error) {
		if err := duban.NonBlank("body.rectification", in.Body.Rectification); err != nil {
			return nil, problem(err)
		}
		if err := duban.ValidAttachments("body.photos", in.Body.Photos); err != nil {
			return nil, problem(err)
		}
		if err := duban.ValidPlan(in.Body.Plan); err != nil {
			return nil, problem(err)
		}
		return s.hazardUpdate(ctx, in.ID, actHazardRectify, workflows.UpdateRectify, func(h *duban.Hazard) (any, error) {
			return workflows.RectifyInput{Actor: actor(ctx), Rectification: strings.TrimSpace(in.Body.Rectification), Photos: in.Body.Photos, Plan: in.Body.Plan}, nil
		})
	})

	huma.Register(api, huma.Operation{
		OperationID: "verify-hazard", Method: http.MethodPost, Path: "/v1/hazards/{id}/verify", Tags: []string{"Hazards"},
		Summary:  "Record the on-site re-inspection: passed closes the hazard (销号), failed re-opens it (a reviewer other than the reporter)",
		Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"40" doc:"Hazard id"`
		Body struct {
			Passed      bool   `json:"passed" doc:"The rectification holds on site"`
			Comment     string `json:"comment,omitempty" maxLength:"2000"`
			NewDeadline string `json:"new_deadline,omitempty" maxLength:"40" doc:"When failed: the new rectification deadline (YYYY-MM-DD or RFC 3339)"`
		}
	}) (*struct{ Body duban.Hazard }, error) {
		var due time.Time
		if !in.Body.Passed {
			t, err := duban.ParseFutureDeadline("body.new_deadline", in.Body.NewDeadline, s.Now(), duban.HazardHorizon)
			if err != nil {
				return nil, problem(err)
			}
			due = t
		}
		return s.hazardUpdate(ctx, in.ID, actHazardVerify, workflows.UpdateVerify, func(h *duban.Hazard) (any, error) {
			if h.ReportedBy == principal(ctx).Login {
				return nil, huma.Error403Forbidden("the re-inspection must be made by someone other than the reporter")
			}
			return workflows.VerifyInput{Actor: actor(ctx), Passed: in.Body.Passed, Comment: in.Body.Comment, NewDeadline: due}, nil
		})
	})
}

// hazardUpdate loads the hazard (404 outside the caller's view), checks the
// action at its tenant and sends the Update.
func (s *Server) hazardUpdate(ctx context.Context, id, action, update string, arg func(*duban.Hazard) (any, error)) (*struct{ Body duban.Hazard }, error) {
	h, err := s.DB.FindHazard(ctx, s.Authz.Scope(principal(ctx), actHazardRead), id)
	if err != nil {
		return nil, problem(err)
	}
	if err := s.require(ctx, action, h.Tenant, lineOf(h.Line)...); err != nil {
		return nil, err
	}
	a, err := arg(h)
	if err != nil {
		return nil, err
	}
	if h.State == duban.HazardClosed {
		return nil, huma.Error409Conflict("the hazard is closed (销号)")
	}
	var out duban.Hazard
	if err := s.Engine.Update(ctx, workflows.HazardWorkflowID(id), update, a, &out); err != nil {
		return nil, problem(err)
	}
	return &struct{ Body duban.Hazard }{out}, nil
}

func boolParam(v string) *bool {
	if v == "" {
		return nil
	}
	b := v == "true"
	return &b
}
