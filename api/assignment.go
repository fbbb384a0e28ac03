package api

import (
	"context"
	"fmt"
	"github.com/duban/duban/calendar"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
)

// Authorization actions on assignments.
const (
	actAssignmentRead    = "assignment.read"
	actAssignmentDraft   = "assignment.draft"
	actAssignmentSubmit  = "assignment.submit"
	actAssignmentReview  = "assignment.review"
	actAssignmentSignOff = "assignment.sign_off"
	actAssignmentExtend  = "assignment.extend"
	actAssignmentPlan    = "assignment.plan"
)

// AssignmentDetail is an assignment with its transition history.
type AssignmentDetail struct {
	duban.Assignment
	History []duban.AssignmentEvent `json:"history"`
	Summons *SummonsOut             `json:"summons,omitempty" doc:"The recorded summons (约谈), after escalation step 4"`
}

// SummonsOut is a recorded 约谈.
type SummonsOut struct {
	At        time.Time `json:"at"`
	Attendees []string  `json:"attendees"`
}

type assignmentPath struct {
	ID string `path:"id" maxLength:"80" doc:"Assignment id: <campaign>.<tenant>"`
}

type reportBody struct {
	Report map[string]any `json:"report" doc:"Field name → value, as the template's report form declares"`
}

func (s *Server) registerAssignments(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-assignments", Method: http.MethodGet, Path: "/v1/assignments", Tags: []string{"Assignments"},
		Summary: "List assignments in your subtree (or your own tasks with mine=true)", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Campaign  string `query:"campaign" maxLength:"64"`
		Tenant    string `query:"tenant" maxLength:"6" doc:"Only this tenant's supervision subtree"`
		State     string `query:"state" enum:"assigned,in_progress,submitted,returned,approved,signed_off,cancelled"`
		Level     string `query:"level" enum:"province,city,county"`
		Overdue   string `query:"overdue" enum:"true,false"`
		DueBefore string `query:"due_before" maxLength:"40" doc:"YYYY-MM-DD or RFC 3339"`
		Mine      bool   `query:"mine" doc:"Only assignments of the tenants where you hold a role"`
		Order     string `query:"order" enum:"due,-due,id" doc:"due: by due time, soonest first (the default for your own tasks, mine=true, and for a review queue, state=submitted); -due: by due time, latest first (work done, newest first); id: by id (the default otherwise)"`
		PageParams
	}) (*struct{ Body Page[duban.Assignment] }, error) {
		scope, after, err := s.listFrom(ctx, actAssignmentRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		f := duban.AssignmentFilter{Campaign: in.Campaign, Within: in.Tenant, State: in.State, Level: in.Level, After: after, Limit: in.Limit}
		f.ByDue = in.Order == "due" || in.Order == "-due" || (in.Order == "" && (in.Mine || in.State == string(duban.StateSubmitted)))
		f.Latest = in.Order == "-due"
		if f.ByDue && after != "" && !duban.ValidDueCursor(after) {
			return nil, invalid("query.cursor", "not a cursor of this list (in due-time order): start again without it", in.Cursor)
		}
		if in.Overdue != "" {
			v := in.Overdue == "true"
			f.Overdue = &v
		}
		if in.DueBefore != "" {
			t, ok := duban.ParseDeadline(in.DueBefore)
			if !ok {
				return nil, invalid("query.due_before", "must be YYYY-MM-DD or an RFC 3339 time", in.DueBefore)
			}
			f.DueBefore = &t
		}
		if in.Mine {
			f.Tenants = []string{}
			for _, b := range principal(ctx).Bindings {
				f.Tenants = append(f.Tenants, b.Tenant)
			}
		} else {
			f.Within = within(ctx, f.Within)
		}
		items, total, err := s.DB.ListAssignments(ctx, scope, f)
		if err != nil {
			return nil, problem(err)
		}
		key := func(a duban.Assignment) string { return a.ID }
		if f.ByDue {
			key = duban.DueCursor
		}
		return &struct{ Body Page[duban.Assignment] }{pageOf(items, total, in.Limit, key)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-assignment", Method: http.MethodGet, Path: "/v1/assignments/{id}", Tags: []string{"Assignments"},
		Summary: "Get an assignment with its history of transitions", Security: bearerSecurity,
	}, func(ctx context.Context, in *assignmentPath) (*struct{ Body AssignmentDetail }, error) {
		scope := s.Authz.Scope(principal(ctx), actAssignmentRead)
		a, hist, err := s.DB.GetAssignment(ctx, scope, in.ID)
		if err != nil {
			return nil, problem(err)
		}
		out := AssignmentDetail{Assignment: *a, History: hist}
		if at, who, err := s.DB.Summons(ctx, scope, a.ID); err == nil && at != nil {
			out.Summons = &SummonsOut{At: *at, Attendees: who}
		}
		return &struct{ Body AssignmentDetail }{out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "save-assignment-draft", Method: http.MethodPut, Path: "/v1/assignments/{id}/draft", Tags: []string{"Assignments"},
		Summary: "Save a draft report (staff of the assigned tenant)", Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"80" doc:"Assignment id: <campaign>.<tenant>"`
		Body reportBody
	}) (*struct{ Body duban.Assignment }, error) {
		return s.transition(ctx, in.ID, func(a *duban.Assignment) (string, string, any, error) {
			return a.Tenant, actAssignmentDraft, workflows.DraftInput{Actor: actor(ctx), Values: in.Body.Report}, nil
		}, workflows.UpdateSaveDraft)
	})

	huma.Register(api, huma.Operation{
		OperationID: "submit-assignment", Method: http.MethodPost, Path: "/v1/assignments/{id}/submit", Tags: []string{"Assignments"},
		Summary:     "Submit the report (staff of the assigned tenant; a city's summary once all its counties are approved)",
		Description: "The report is validated against the template's form: each bad field is named in a 422.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"80" doc:"Assignment id: <campaign>.<tenant>"`
		Body reportBody
	}) (*struct{ Body duban.Assignment }, error) {
		return s.transition(ctx, in.ID, func(a *duban.Assignment) (string, string, any, error) {
			return a.Tenant, actAssignmentSubmit, workflows.SubmitInput{Actor: actor(ctx), Values: in.Body.Report}, nil
		}, workflows.UpdateSubmit)
	})

	huma.Register(api, huma.Operation{
		OperationID: "review-assignment", Method: http.MethodPost, Path: "/v1/assignments/{id}/review", Tags: []string{"Assignments"},
		Summary:     "Approve or return a report (reviewer at the supervising tenant)",
		Description: "Return needs a reason and a rework due date (default: the end of the day 5 working days from today by the working-day calendar, or as many as the template says; given as YYYY-MM-DD or RFC 3339). A signed-off report can be returned only by the signing level, which reopens it.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"80" doc:"Assignment id: <campaign>.<tenant>"`
		Body struct {
			Decision  string `json:"decision" enum:"approve,return"`
			Comment   string `json:"comment,omitempty" maxLength:"2000"`
			ReworkDue string `json:"rework_due,omitempty" maxLength:"40" doc:"For return: new due date"`
		}
	}) (*struct{ Body duban.Assignment }, error) {
		return s.transition(ctx, in.ID, func(a *duban.Assignment) (string, string, any, error) {
			ri := workflows.ReviewInput{Actor: actor(ctx), Decision: in.Body.Decision, Comment: strings.TrimSpace(in.Body.Comment)}
			where := a.ReviewerTenant
			if in.Body.Decision == workflows.DecisionReturn {
				if a.State == duban.StateSignedOff {
					where = a.SignerTenant
				}
				if in.Body.ReworkDue == "" {
					due, err := s.reworkDue(ctx, a)
					if err != nil {
						return "", "", nil, problem(err)
					}
					ri.ReworkDue = due
				} else {
					t, err := duban.ParseFutureDeadline("body.rework_due", in.Body.ReworkDue, s.Now(), duban.MaxHorizon)
					if err != nil {
						return "", "", nil, problem(err)
					}
					ri.ReworkDue = t
				}
			}
			return where, actAssignmentReview, ri, nil
		}, workflows.UpdateReview)
	})

	huma.Register(api, huma.Operation{
		OperationID: "sign-off-assignment", Method: http.MethodPost, Path: "/v1/assignments/{id}/sign-off", Tags: []string{"Assignments"},
		Summary: "Sign off an approved report (the level above the reviewer, capped at the campaign scope)", Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"80" doc:"Assignment id: <campaign>.<tenant>"`
		Body struct {
			Comment string `json:"comment,omitempty" maxLength:"2000"`
		}
	}) (*struct{ Body duban.Assignment }, error) {
		return s.transition(ctx, in.ID, func(a *duban.Assignment) (string, string, any, error) {
			return a.SignerTenant, actAssignmentSignOff, workflows.SignOffInput{Actor: actor(ctx), Comment: in.Body.Comment}, nil
		}, workflows.UpdateSignOff)
	})

	huma.Register(api, huma.Operation{
		OperationID: "extend-deadline", Method: http.MethodPost, Path: "/v1/assignments/{id}/extend", Tags: []string{"Assignments"},
		Summary: "Extend an assignment's deadline, with a reason (supervisor of the assignment; audited)", Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"80" doc:"Assignment id: <campaign>.<tenant>"`
		Body struct {
			DueAt  string `json:"due_at" minLength:"10" maxLength:"40" doc:"YYYY-MM-DD (end of that day, Asia/Shanghai) or RFC 3339"`
			Reason string `json:"reason" minLength:"1" maxLength:"2000"`
		}
	}) (*struct{ Body duban.Assignment }, error) {
		due, err := duban.ParseFutureDeadline("body.due_at", in.Body.DueAt, s.Now(), duban.MaxHorizon)
		if err != nil {
			return nil, problem(err)
		}
		return s.transition(ctx, in.ID, func(a *duban.Assignment) (string, string, any, error) {
			// deadlines nest: never past the parent assignment's due date
			var parentDue time.Time
			if a.ParentID != "" && !a.State.Final() { // a final one: the workflow answers 409
				parent, err := s.DB.FindAssignment(ctx, duban.SystemScope, a.ParentID)
				if err != nil {
					return "", "", nil, problem(err)
				}
				parentDue = parent.DueAt
				if due.After(parentDue) {
					return "", "", nil, invalid("body.due_at", fmt.Sprintf("must not be later than %s, the due date of %s %s's own assignment %s (上级任务期限): ask that level to extend it first",
						parentDue.In(duban.Shanghai).Format("2006-01-02 15:04"), s.name(parent.Tenant), parent.Tenant, parent.ID), in.Body.DueAt)
				}
			}
			return a.ReviewerTenant, actAssignmentExtend, workflows.ExtendInput{Actor: actor(ctx), Due: due, Reason: strings.TrimSpace(in.Body.Reason), ParentDue: parentDue}, nil
		}, workflows.UpdateExtend)
	})

	huma.Register(api, huma.Operation{
		OperationID: "set-child-deadline", Method: http.MethodPost, Path: "/v1/campaigns/{id}/tenants/{tenant}/child-deadline", Tags: []string{"Assignments"},
		Summary:     "Set an earlier internal deadline for the tenants you supervise in a campaign (倒排工期)",
		Description: "Never later than your own deadline. Children whose deadline is later are moved to it.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" maxLength:"64"`
		Tenant string `path:"tenant" maxLength:"6"`
		Body   struct {
			DueAt string `json:"due_at" minLength:"10" maxLength:"40"`
		}
	}) (*struct {
		Body struct {
			Children int `json:"children" doc:"Assignments moved to the new deadline"`
		}
	}, error) {
		c, err := s.campaign(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if s.Dir.Get(in.Tenant) == nil || !s.Dir.Within(in.Tenant, c.Scope) {
			return nil, huma.Error404NotFound("tenant " + in.Tenant + " is not part of this campaign")
		}
		due, err := duban.ParseFutureDeadline("body.due_at", in.Body.DueAt, s.Now(), duban.MaxHorizon)
		if err != nil {
			return nil, problem(err)
		}
		if err := s.require(ctx, actAssignmentPlan, in.Tenant, c.Lines...); err != nil {
			return nil, err
		}
		id := workflows.NodeID(c.ID, in.Tenant)
		if in.Tenant == c.Scope {
			id = workflows.RootID(c.ID)
		}
		var n int
		if err := s.Engine.Update(ctx, id, workflows.UpdateTighten, workflows.TightenInput{Actor: actor(ctx), Due: due}, &n); err != nil {
			return nil, problem(err)
		}
		out := &struct {
			Body struct {
				Children int `json:"children" doc:"Assignments moved to the new deadline"`
			}
		}{}
		out.Body.Children = n
		return out, nil
	})
}

// transition loads the assignment (404 when not visible), checks the caller
// may act at the tenant the decide function names (403), sends the update
// to the node workflow and answers with the new state it returns.
func (s *Server) transition(ctx context.Context, id string, decide func(a *duban.Assignment) (tenant, action string, arg any, err error), update string) (*struct{ Body duban.Assignment }, error) {
	a, err := s.DB.FindAssignment(ctx, s.Authz.Scope(principal(ctx), actAssignmentRead), id)
	if err != nil {
		return nil, problem(err)
	}
	tenant, action, arg, err := decide(a)
	if err != nil {
		return nil, err
	}
	if err := s.require(ctx, action, tenant, a.Lines...); err != nil {
		return nil, err
	}
	var out duban.Assignment
	if err := s.Engine.Update(ctx, workflows.NodeID(a.CampaignID, a.Tenant), update, arg, &out); err != nil {
		return nil, problem(err)
	}
	out.Lines = a.Lines
	return &struct{ Body duban.Assignment }{out}, nil
}

// reworkDue is a return's default rework deadline: the end of the day the
// template's rework working days (5 by default) from today, by the
// working-day calendar with its overrides (holidays and make-up days).
func (s *Server) reworkDue(ctx context.Context, a *duban.Assignment) (time.Time, error) {
	n := duban.DefaultReworkWorkdays
	if c, err := s.DB.GetCampaign(ctx, duban.SystemScope, a.CampaignID); err == nil {
		if t := duban.TemplateByID(c.Template); t != nil && t.ReworkWorkdays > 0 {
			n = t.ReworkWorkdays
		}
	}
	cal, err := calendar.Load(ctx, s.DB)
	if err != nil {
		return time.Time{}, err
	}
	d := cal.AddWorkdays(calendar.DateOf(s.Now()), n)
	return duban.EndOfDay(d.Year, d.Month, d.Day), nil
}
