package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
)

// Authorization actions on summonses (约谈) and follow-ups (督办事项).
const (
	actSummonsRead      = "summons.read"
	actSummonsSchedule  = "summons.schedule"
	actSummonsMinutes   = "summons.minutes"
	actFollowUpRead     = "followup.read"
	actFollowUpComplete = "followup.complete"
	actFollowUpExtend   = "followup.extend"
)

// ScheduleSummonsRequest is the body of schedule-summons.
type ScheduleSummonsRequest struct {
	ID        string   `json:"id,omitempty" maxLength:"120" doc:"A raised summons to schedule (from an escalation or a circular); omit to convene a new one"`
	Tenant    string   `json:"tenant,omitempty" maxLength:"6" doc:"A new summons: the unit summoned, supervised by the convener"`
	Convener  string   `json:"convener,omitempty" maxLength:"6" doc:"A new summons: the convening tenant (default: your own)"`
	Line      string   `json:"line,omitempty" maxLength:"20" doc:"A new summons: its department line (default: your own)"`
	Reason    string   `json:"reason,omitempty" maxLength:"1000" doc:"A new summons: why (e.g. 重大隐患逾期未整改)"`
	MeetingAt string   `json:"meeting_at" maxLength:"40" doc:"When (RFC 3339, or YYYY-MM-DD for 09:00 that day)"`
	Place     string   `json:"place" maxLength:"200" doc:"Where"`
	Persons   []string `json:"persons" maxItems:"20" doc:"Who is summoned: name and post, e.g. 张三（县住建局局长）"`
}

// MinutesRequest is the body of record-summons-minutes.
type MinutesRequest struct {
	Minutes     string             `json:"minutes" maxLength:"10000" doc:"约谈纪要"`
	Commitments []duban.Commitment `json:"commitments" maxItems:"30" doc:"整改承诺, each tracked to closure as a follow-up of the unit"`
}

// SummonsDetail is a summons with the follow-ups of its commitments.
type SummonsDetail struct {
	duban.Summons
	FollowUps []duban.FollowUp `json:"follow_ups"`
}

func (s *Server) registerConsequences(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "schedule-summons", Method: http.MethodPost, Path: "/v1/summonses", Tags: []string{"Summonses"},
		Summary:     "Schedule a summons (约谈): date, place and the persons summoned (a planner or reviewer above the unit)",
		Description: "With `id`, schedules (or reschedules) a summons raised by an escalation or by a circular; without, convenes a new one with a unit the convener supervises.",
		Security:    bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body ScheduleSummonsRequest }) (*struct{ Body SummonsDetail }, error) {
		b := in.Body
		now := s.Now().UTC().Truncate(time.Second)
		at, err := duban.ParseFutureDeadline("body.meeting_at", b.MeetingAt, now, duban.MaxHorizon)
		if err != nil {
			return nil, problem(err)
		}
		if len(b.MeetingAt) == 10 { // a date: 09:00 that day in China
			at = at.In(duban.Shanghai)
			at = time.Date(at.Year(), at.Month(), at.Day(), 9, 0, 0, 0, duban.Shanghai).UTC()
		}
		if err := duban.NonBlank("body.place", b.Place); err != nil {
			return nil, problem(err)
		}
		if len(b.Persons) == 0 {
			return nil, invalid("body.persons", "name at least one person summoned", b.Persons)
		}
		if err := duban.NonBlankList("body.persons", b.Persons); err != nil {
			return nil, problem(err)
		}
		for i := range b.Persons {
			b.Persons[i] = strings.TrimSpace(b.Persons[i])
		}
		p := principal(ctx)
		var sm *duban.Summons
		if b.ID != "" {
			if sm, err = s.DB.GetSummons(ctx, s.Authz.Scope(p, actSummonsRead), b.ID); err != nil {
				return nil, problem(err)
			}
			if err := s.require(ctx, actSummonsSchedule, sm.Convener, sm.Lines...); err != nil {
				return nil, err
			}
			if sm.State != duban.SummonsRaised && sm.State != duban.SummonsScheduled {
				return nil, huma.Error409Conflict("the summons is " + sm.State + ": it can no longer be scheduled / 约谈已" + summonsStateZH(sm.State) + "，不能再安排")
			}
		} else {
			if b.Tenant == "" || s.Dir.Get(b.Tenant) == nil {
				return nil, invalid("body.tenant", "a known tenant to summon is required (or the id of a raised summons)", b.Tenant)
			}
			if err := duban.NonBlank("body.reason", b.Reason); err != nil {
				return nil, problem(err)
			}
			convener := b.Convener
			if convener == "" {
				convener = p.Tenant
			}
			if s.Dir.Get(convener) == nil {
				return nil, invalid("body.convener", "unknown tenant", convener)
			}
			if convener == b.Tenant {
				return nil, huma.Error403Forbidden("a unit cannot summon itself: the convener must supervise it / 不能约谈本单位，约谈须由上级发起")
			}
			if !s.Dir.Within(b.Tenant, convener) {
				return nil, invalid("body.tenant", "must be a unit the convener "+convener+" supervises", b.Tenant)
			}
			line, err := s.objectLine(ctx, actSummonsSchedule, convener, duban.Line(b.Line), nil, duban.LineConstruction)
			if err != nil {
				return nil, err
			}
			sm = &duban.Summons{ID: objectID(ctx, "s", p.Login), Tenant: b.Tenant, TenantName: s.name(b.Tenant), Convener: convener, ConvenerName: s.name(convener),
				Lines: []duban.Line{line}, Reason: strings.TrimSpace(b.Reason), State: duban.SummonsRaised, RaisedAt: now, Version: 0}
		}
		sm.State, sm.MeetingAt, sm.Place, sm.Persons, sm.ScheduledBy = duban.SummonsScheduled, &at, strings.TrimSpace(b.Place), b.Persons, p.Login
		sm.Version++
		sm.UpdatedAt = now
		if b.ID != "" {
			err = s.DB.UpdateSummons(ctx, s.Authz.Scope(p, actSummonsSchedule), sm, "schedule")
		} else {
			_, err = s.DB.InsertSummons(ctx, s.Authz.Scope(p, actSummonsSchedule), sm)
		}
		if err != nil {
			return nil, problem(err)
		}
		local := at.In(duban.Shanghai).Format("2006-01-02 15:04")
		s.notice(ctx, "summons/"+sm.ID+"/scheduled/"+fmt.Sprint(sm.Version), "summons.scheduled", duban.Text{
			ZH: fmt.Sprintf("约谈通知：%s定于 %s 在%s约谈%s（%s）", sm.ConvenerName, local, sm.Place, sm.TenantName, strings.Join(sm.Persons, "、")),
			EN: fmt.Sprintf("Summons: %s summons %s on %s at %s", sm.Convener, sm.Tenant, local, sm.Place)},
			map[string]any{"summons": sm.ID}, sm.Tenant, sm.Convener)
		return s.summonsDetail(ctx, sm.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "record-summons-minutes", Method: http.MethodPost, Path: "/v1/summonses/{id}/minutes", Tags: []string{"Summonses"},
		Summary:     "Record a held summons' minutes (约谈纪要) and the unit's commitments, each tracked to closure",
		Description: "Only after the meeting's time. Each commitment becomes a follow-up of the summoned unit, reminded 3 and 1 working days before and on its due date and escalated after it; the summons closes when all are done.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"120"`
		Body MinutesRequest
	}) (*struct{ Body SummonsDetail }, error) {
		if err := duban.NonBlank("body.minutes", in.Body.Minutes); err != nil {
			return nil, problem(err)
		}
		now := s.Now().UTC().Truncate(time.Second)
		for i, c := range in.Body.Commitments {
			at := fmt.Sprintf("body.commitments[%d]", i)
			if err := duban.NonBlank(at+".title", c.Title); err != nil {
				return nil, problem(err)
			}
			if !c.DueAt.After(now) || c.DueAt.Sub(now) > duban.MaxHorizon {
				return nil, invalid(at+".due_at", "must be in the future and within five years", c.DueAt)
			}
		}
		p := principal(ctx)
		sm, err := s.DB.GetSummons(ctx, s.Authz.Scope(p, actSummonsRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		if err := s.require(ctx, actSummonsMinutes, sm.Convener, sm.Lines...); err != nil {
			return nil, err
		}
		if sm.State != duban.SummonsScheduled {
			return nil, huma.Error409Conflict("the summons is " + sm.State + ": minutes are recorded once, after it was scheduled and held / 约谈" + summonsStateZH(sm.State) + "，不能记录纪要")
		}
		if sm.MeetingAt.After(now) {
			return nil, huma.Error409Conflict("the meeting is at " + sm.MeetingAt.Format(time.RFC3339) + ": minutes can be recorded only after it / 约谈尚未举行")
		}
		sup := s.Dir.Get(sm.Convener).Supervisor
		for i, c := range in.Body.Commitments {
			f := duban.FollowUp{ID: fmt.Sprintf("%s-c%d", sm.ID, i+1), Kind: duban.FollowUpCommitment, Source: "summons/" + sm.ID, Tenant: sm.Tenant, TenantName: sm.TenantName,
				Issuer: sm.Convener, IssuerName: sm.ConvenerName, Lines: sm.Lines, Title: strings.TrimSpace(c.Title), DueAt: c.DueAt.UTC()}
			sm.Commitments = append(sm.Commitments, f.ID)
			if err := s.Engine.Start(ctx, workflows.FollowUpWorkflowID(f.ID), workflows.FollowUpWorkflowName,
				workflows.FollowUpInput{FollowUp: f, IssuerSupervisor: sup, RequestID: duban.RequestIDFromContext(ctx), Actor: p.Login}); err != nil {
				return nil, problem(err)
			}
		}
		sm.State, sm.Minutes, sm.MinutesBy = duban.SummonsHeld, strings.TrimSpace(in.Body.Minutes), p.Login
		if len(in.Body.Commitments) == 0 {
			sm.State, sm.ClosedAt = duban.SummonsClosed, &now
		}
		sm.Version++
		sm.UpdatedAt = now
		if err := s.DB.UpdateSummons(ctx, s.Authz.Scope(p, actSummonsMinutes), sm, "minutes"); err != nil {
			return nil, problem(err)
		}
		return s.summonsDetail(ctx, sm.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-summonses", Method: http.MethodGet, Path: "/v1/summonses", Tags: []string{"Summonses"},
		Summary: "List summonses you convene or that summon your subtree", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant   string `query:"tenant" maxLength:"6" doc:"Only units in this tenant's subtree"`
		Convener string `query:"convener" maxLength:"6" doc:"Only those this tenant convenes"`
		State    string `query:"state" enum:"raised,scheduled,held,closed"`
		PageParams
	}) (*struct{ Body Page[duban.Summons] }, error) {
		scope, after, err := s.listFrom(ctx, actSummonsRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListSummonses(ctx, scope, duban.SummonsFilter{Within: in.Tenant, Convener: in.Convener, State: in.State, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.Summons] }{pageOf(items, total, in.Limit, func(x duban.Summons) string { return x.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-summons", Method: http.MethodGet, Path: "/v1/summonses/{id}", Tags: []string{"Summonses"},
		Summary: "Get a summons with the follow-ups of its commitments", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"120"`
	}) (*struct{ Body SummonsDetail }, error) {
		return s.summonsDetail(ctx, in.ID)
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-follow-ups", Method: http.MethodGet, Path: "/v1/follow-ups", Tags: []string{"Follow-ups"},
		Summary: "List follow-ups (督办事项) your subtree owes or tracks", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant string `query:"tenant" maxLength:"6" doc:"Only those owed by this tenant's subtree"`
		Issuer string `query:"issuer" maxLength:"6" doc:"Only those this tenant tracks"`
		Kind   string `query:"kind" enum:"focus,commitment,investigation,recommendation"`
		State  string `query:"state" enum:"open,done"`
		Source string `query:"source" maxLength:"130" doc:"circular/<id>, summons/<id> or accident/<id>"`
		PageParams
	}) (*struct{ Body Page[duban.FollowUp] }, error) {
		scope, after, err := s.listFrom(ctx, actFollowUpRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListFollowUps(ctx, scope, duban.FollowUpFilter{Within: in.Tenant, Issuer: in.Issuer, Kind: in.Kind, State: in.State,
			Source: in.Source, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.FollowUp] }{pageOf(items, total, in.Limit, func(x duban.FollowUp) string { return x.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-follow-up", Method: http.MethodGet, Path: "/v1/follow-ups/{id}", Tags: []string{"Follow-ups"},
		Summary: "Get a follow-up", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"140"`
	}) (*struct{ Body duban.FollowUp }, error) {
		f, err := s.DB.GetFollowUp(ctx, s.Authz.Scope(principal(ctx), actFollowUpRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.FollowUp }{*f}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "complete-follow-up", Method: http.MethodPost, Path: "/v1/follow-ups/{id}/complete", Tags: []string{"Follow-ups"},
		Summary:     "Report a follow-up done (the unit that owes it)",
		Description: "An accident's investigation report is filed here with its recommendations (事故防范和整改措施): each becomes a follow-up of the accident's tenant.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"140"`
		Body struct {
			Result          string             `json:"result" maxLength:"10000" doc:"What was done"`
			Recommendations []duban.Commitment `json:"recommendations,omitempty" maxItems:"30" doc:"An investigation report's recommendations with their due dates"`
		}
	}) (*struct{ Body duban.FollowUp }, error) {
		if err := duban.NonBlank("body.result", in.Body.Result); err != nil {
			return nil, problem(err)
		}
		return s.followUpUpdate(ctx, in.ID, func(f *duban.FollowUp) (string, string, any, error) {
			return actFollowUpComplete, f.Tenant, workflows.CompleteFollowUpInput{Actor: actor(ctx), Result: in.Body.Result, Recommendations: in.Body.Recommendations}, nil
		}, workflows.UpdateCompleteFollowUp)
	})

	huma.Register(api, huma.Operation{
		OperationID: "extend-follow-up", Method: http.MethodPost, Path: "/v1/follow-ups/{id}/extend", Tags: []string{"Follow-ups"},
		Summary:     "Extend a follow-up's due date (its issuer; an investigation report: the investigating level, once, by at most 60 days)",
		Description: "条例 art. 29: an investigation report is due within 60 days of the accident; the government in charge of the investigation may extend it once, by at most 60 days.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"140"`
		Body struct {
			DueAt  string `json:"due_at" maxLength:"40" doc:"The new due date (YYYY-MM-DD or RFC 3339)"`
			Reason string `json:"reason" maxLength:"2000"`
		}
	}) (*struct{ Body duban.FollowUp }, error) {
		due, err := duban.ParseFutureDeadline("body.due_at", in.Body.DueAt, s.Now(), duban.MaxHorizon)
		if err != nil {
			return nil, problem(err)
		}
		if err := duban.NonBlank("body.reason", in.Body.Reason); err != nil {
			return nil, problem(err)
		}
		return s.followUpUpdate(ctx, in.ID, func(f *duban.FollowUp) (string, string, any, error) {
			at := f.Issuer
			if f.Kind == duban.FollowUpInvestigation {
				at = f.Tenant
			}
			return actFollowUpExtend, at, workflows.ExtendFollowUpInput{Actor: actor(ctx), Due: due, Reason: in.Body.Reason}, nil
		}, workflows.UpdateExtendFollowUp)
	})
}

// followUpUpdate loads the follow-up (404 outside the caller's view), checks
// the action where arg says and sends the update.
func (s *Server) followUpUpdate(ctx context.Context, id string, arg func(*duban.FollowUp) (action, tenant string, in any, err error), update string) (*struct{ Body duban.FollowUp }, error) {
	f, err := s.DB.GetFollowUp(ctx, s.Authz.Scope(principal(ctx), actFollowUpRead), id)
	if err != nil {
		return nil, problem(err)
	}
	action, tenant, in, err := arg(f)
	if err != nil {
		return nil, err
	}
	if err := s.require(ctx, action, tenant, f.Lines...); err != nil {
		return nil, err
	}
	if f.State != duban.FollowUpOpen {
		return nil, huma.Error409Conflict("the follow-up is done / 督办事项已办结")
	}
	var out duban.FollowUp
	if err := s.Engine.Update(ctx, workflows.FollowUpWorkflowID(id), update, in, &out); err != nil {
		return nil, problem(err)
	}
	return &struct{ Body duban.FollowUp }{out}, nil
}

func (s *Server) summonsDetail(ctx context.Context, id string) (*struct{ Body SummonsDetail }, error) {
	p := principal(ctx)
	sm, err := s.DB.GetSummons(ctx, s.Authz.Scope(p, actSummonsRead), id)
	if err != nil {
		return nil, problem(err)
	}
	fs, _, err := s.DB.ListFollowUps(ctx, s.Authz.Scope(p, actFollowUpRead), duban.FollowUpFilter{Source: "summons/" + id, Limit: 100})
	if err != nil {
		return nil, problem(err)
	}
	if fs == nil {
		fs = []duban.FollowUp{}
	}
	return &struct{ Body SummonsDetail }{SummonsDetail{*sm, fs}}, nil
}

// notice stores notifications for the tenants (deduplicated by key).
func (s *Server) notice(ctx context.Context, key, kind string, title duban.Text, body map[string]any, tenants ...string) {
	ns := make([]duban.NewNotification, 0, len(tenants))
	for _, t := range tenants {
		ns = append(ns, duban.NewNotification{DedupeKey: key + "/" + t, Tenant: t, Kind: kind, Title: title, Body: body, At: s.Now().UTC()})
	}
	_, _ = s.DB.InsertNotifications(context.WithoutCancel(ctx), ns)
}

func summonsStateZH(state string) string {
	switch state {
	case duban.SummonsRaised:
		return "待安排"
	case duban.SummonsScheduled:
		return "已安排"
	case duban.SummonsHeld:
		return "已举行"
	case duban.SummonsClosed:
		return "已办结"
	}
	return state
}
