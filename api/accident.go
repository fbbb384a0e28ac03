package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/workflows"
)

// Authorization actions on accidents.
const (
	actAccidentRead    = "accident.read"
	actAccidentReport  = "accident.report"
	actAccidentForward = "accident.forward"
	actAccidentAmend   = "accident.amend"
)

// figures is the body of amend-accident.
type figures struct {
	Deaths          int    `json:"deaths" minimum:"0" maximum:"100000"`
	SeriousInjuries int    `json:"serious_injuries" minimum:"0" maximum:"100000"`
	DirectLossCNY   int64  `json:"direct_loss_cny" minimum:"0" maximum:"1000000000000"`
	Note            string `json:"note,omitempty" maxLength:"2000"`
}

// AccidentStats are accident figures of a subtree for a period and the same
// period a year before.
type AccidentStats struct {
	Tenant       string               `json:"tenant"`
	From         string               `json:"from"`
	To           string               `json:"to"`
	Current      duban.AccidentTotals `json:"current"`
	Previous     duban.AccidentTotals `json:"previous" doc:"The same period one year earlier"`
	CountYoYPct  *float64             `json:"count_yoy_pct" doc:"Year-on-year change of the count, percent (null when the previous count is 0)"`
	DeathsYoYPct *float64             `json:"deaths_yoy_pct" doc:"Year-on-year change of deaths, percent (null when the previous figure is 0)"`
	ByRegion     []RegionStat         `json:"by_region" doc:"The tenant itself (本级) and every tenant it directly supervises, each with its subtree's figures"`
	ZeroRegions  []string             `json:"zero_regions" doc:"The directly supervised tenants with no accident in the period (零事故)"`
	BySector     []SectorStat         `json:"by_sector" doc:"Every sector (行业领域), those without accidents included"`
}

// RegionStat is one region's accidents in the period.
type RegionStat struct {
	Tenant    string `json:"tenant"`
	Name      string `json:"name"`
	Own       bool   `json:"own" doc:"本级: accidents of the tenant itself, not of its subtree"`
	Accidents int    `json:"accidents"`
	Deaths    int    `json:"deaths"`
}

// SectorStat is one sector's accidents in the period.
type SectorStat struct {
	Sector    string `json:"sector"`
	Name      string `json:"name"`
	Accidents int    `json:"accidents"`
	Deaths    int    `json:"deaths"`
}

func yoy(cur, prev int) *float64 {
	if prev == 0 {
		return nil
	}
	v := math.Round(float64(cur-prev)/float64(prev)*1000) / 10
	return &v
}

type accidentPath struct {
	ID string `path:"id" maxLength:"40" doc:"Accident id"`
}

func (s *Server) registerAccidents(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "report-accident", Method: http.MethodPost, Path: "/v1/accidents", Tags: []string{"Accidents"},
		Summary: "Report an accident (事故快报): graded, then forwarded up the tree against the clock (staff or reviewer of the tenant)",
		Description: "The grade is computed from deaths (3/10/30), serious injuries (10/50/100) and direct loss (10/50/100 million CNY), the higher winning. " +
			"The report must reach the county within 1 hour of the accident and each level must forward it to its supervisor within 2 hours, " +
			"up to the level the grade requires (general: city; larger: province; major and above: the nation). Late steps are flagged 迟报.",
		Security: bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		IdempotencyKey string `header:"Idempotency-Key" maxLength:"128" doc:"Retrying with the same key returns the first response"`
		Body           duban.AccidentRequest
	}) (*struct{ Body duban.Accident }, error) {
		p := principal(ctx)
		now := s.Now().UTC().Truncate(time.Microsecond)
		a, err := in.Body.Validate(s.Dir, now)
		if err != nil {
			return nil, problem(err)
		}
		if a.Line, err = s.objectLine(ctx, actAccidentReport, a.Tenant, a.Line, nil, duban.LineEmergency); err != nil {
			return nil, err
		}
		if err := s.registryRefs(ctx, a.Tenant, a.Enterprise, a.Project); err != nil {
			return nil, err
		}
		a.ID, a.ReportedBy, a.Steps[0].By = objectID(ctx, "a", p.Login), p.Login, p.Login
		// 瞒报: entered first by a level above the tenant where it happened
		a.Concealed = p.Tenant != a.Tenant
		for _, b := range p.Bindings {
			if b.Tenant == a.Tenant {
				a.Concealed = false
			}
		}
		// 漏报: its own tenant entered it more than a day after it happened
		a.Omitted = !a.Concealed && a.ReportedAt.Sub(a.OccurredAt) > duban.OmittedAfter
		inv := a.Investigator()
		due := calendar.DateOf(a.OccurredAt).AddDays(duban.InvestigationDays).EndOfDay()
		a.Investigation = &duban.AccidentInvestigation{FollowUp: "i" + a.ID, Tenant: inv.Tenant, Name: inv.Name, DueAt: due}
		if err := s.Engine.Start(ctx, workflows.AccidentWorkflowID(a.ID), workflows.AccidentWorkflowName,
			workflows.AccidentInput{Accident: *a, RequestID: duban.RequestIDFromContext(ctx)}); err != nil {
			return nil, problem(err)
		}
		// the investigation report, tracked at the investigating level by its
		// supervisor (the nation tracks its own)
		tracker := s.Dir.Get(inv.Tenant).Supervisor
		if tracker == "" {
			tracker = inv.Tenant
		}
		f := duban.FollowUp{ID: a.Investigation.FollowUp, Kind: duban.FollowUpInvestigation, Source: "accident/" + a.ID, Tenant: inv.Tenant, TenantName: inv.Name,
			Issuer: tracker, IssuerName: s.name(tracker), Lines: lineOf(a.Line), Title: fmt.Sprintf("事故调查报告：%s %s", a.Place, a.Summary),
			DueAt: due, MaxExtensions: 1, MaxExtendDays: duban.InvestigationDays, AccidentTenant: a.Tenant}
		if f.Lines == nil {
			f.Lines = []duban.Line{}
		}
		if err := s.Engine.Start(ctx, workflows.FollowUpWorkflowID(f.ID), workflows.FollowUpWorkflowName,
			workflows.FollowUpInput{FollowUp: f, IssuerSupervisor: s.Dir.Get(tracker).Supervisor, RequestID: duban.RequestIDFromContext(ctx), Actor: p.Login}); err != nil {
			return nil, problem(err)
		}
		var recorded duban.Accident
		if err := s.Engine.Update(ctx, workflows.AccidentWorkflowID(a.ID), workflows.UpdateRecorded, nil, &recorded); err != nil {
			return nil, problem(err)
		}
		got, err := s.DB.GetAccident(ctx, s.Authz.Scope(p, actAccidentRead), a.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Accident }{*got}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-accidents", Method: http.MethodGet, Path: "/v1/accidents", Tags: []string{"Accidents"},
		Summary: "List accidents in your subtree", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant   string `query:"tenant" maxLength:"6" doc:"Only this tenant's supervision subtree"`
		Grade    string `query:"grade" enum:"general,larger,major,especially_major"`
		Late     string `query:"late" enum:"true,false" doc:"Some step was late (迟报)"`
		Complete string `query:"complete" enum:"true,false" doc:"The report reached the level its grade requires"`
		From     string `query:"from" maxLength:"10" doc:"Occurred on or after this day (YYYY-MM-DD, Asia/Shanghai)"`
		To       string `query:"to" maxLength:"10" doc:"Occurred on or before this day"`
		PageParams
	}) (*struct{ Body Page[duban.Accident] }, error) {
		scope, after, err := s.listFrom(ctx, actAccidentRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		f := duban.AccidentFilter{Within: in.Tenant, Grade: in.Grade, After: after, Limit: in.Limit}
		f.Late, f.Complete = boolParam(in.Late), boolParam(in.Complete)
		if in.From != "" {
			d, err := calendar.ParseDate(in.From)
			if err != nil {
				return nil, invalid("query.from", "must be YYYY-MM-DD", in.From)
			}
			t := d.At(0, 0)
			f.From = &t
		}
		if in.To != "" {
			d, err := calendar.ParseDate(in.To)
			if err != nil {
				return nil, invalid("query.to", "must be YYYY-MM-DD", in.To)
			}
			t := d.At(0, 0).AddDate(0, 0, 1)
			f.To = &t
		}
		items, total, err := s.DB.ListAccidents(ctx, scope, f)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.Accident] }{pageOf(items, total, in.Limit, func(a duban.Accident) string { return a.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-accident", Method: http.MethodGet, Path: "/v1/accidents/{id}", Tags: []string{"Accidents"},
		Summary: "Get an accident with its reporting chain and amendments", Security: bearerSecurity,
	}, func(ctx context.Context, in *accidentPath) (*struct{ Body duban.Accident }, error) {
		a, err := s.DB.GetAccident(ctx, s.Authz.Scope(principal(ctx), actAccidentRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Accident }{*a}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "forward-accident", Method: http.MethodPost, Path: "/v1/accidents/{id}/forward", Tags: []string{"Accidents"},
		Summary:  "Forward the report to the next level (the tenant holding it); past 2 hours it is flagged 迟报",
		Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"40" doc:"Accident id"`
		Body struct {
			Note string `json:"note,omitempty" maxLength:"2000"`
		}
	}) (*struct{ Body duban.Accident }, error) {
		return s.accidentUpdate(ctx, in.ID, workflows.UpdateForward, func(a *duban.Accident) (string, string, any) {
			return a.Holder, actAccidentForward, workflows.ForwardInput{Actor: actor(ctx), From: a.Holder, Note: in.Body.Note}
		})
	})

	huma.Register(api, huma.Operation{
		OperationID: "amend-accident", Method: http.MethodPost, Path: "/v1/accidents/{id}/amend", Tags: []string{"Accidents"},
		Summary: "Supplementary report of the figures (补报), within 30 days of the accident (7 for road traffic and fire)",
		Description: "The accident is regraded; when the new grade requires a higher level than the report has reached, " +
			"the chain extends with a fresh 2-hour clock.",
		Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"40" doc:"Accident id"`
		Body figures
	}) (*struct{ Body duban.Accident }, error) {
		b := in.Body
		if err := duban.ValidFigures(b.Deaths, b.SeriousInjuries, b.DirectLossCNY); err != nil {
			return nil, problem(err)
		}
		return s.accidentUpdate(ctx, in.ID, workflows.UpdateAmend, func(a *duban.Accident) (string, string, any) {
			return a.Tenant, actAccidentAmend, workflows.AmendInput{Actor: actor(ctx), Note: b.Note,
				Figures: duban.AccidentFigures{Deaths: b.Deaths, SeriousInjuries: b.SeriousInjuries, DirectLossCNY: b.DirectLossCNY}}
		})
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-accident-stats", Method: http.MethodGet, Path: "/v1/accident-stats", Tags: []string{"Accidents"},
		Summary:     "Accident statistics of a tenant's subtree for a period, with the year-on-year change",
		Description: "Default period: from 1 January of this year to today (Asia/Shanghai).",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant string `query:"tenant" maxLength:"6" doc:"Default: your tenant"`
		From   string `query:"from" maxLength:"10" doc:"YYYY-MM-DD"`
		To     string `query:"to" maxLength:"10" doc:"YYYY-MM-DD (inclusive)"`
	}) (*struct{ Body AccidentStats }, error) {
		p := principal(ctx)
		tenant := in.Tenant
		if tenant == "" {
			tenant = p.Tenant
		}
		t := s.Dir.Get(tenant)
		if t == nil {
			return nil, invalid("query.tenant", "unknown tenant", tenant)
		}
		if err := s.require(ctx, actAccidentRead, tenant); err != nil {
			return nil, err
		}
		today := calendar.DateOf(s.Now())
		from, to := calendar.Date{Year: today.Year, Month: 1, Day: 1}, today
		var err error
		if in.From != "" {
			if from, err = calendar.ParseDate(in.From); err != nil {
				return nil, invalid("query.from", "must be YYYY-MM-DD", in.From)
			}
		}
		if in.To != "" {
			if to, err = calendar.ParseDate(in.To); err != nil {
				return nil, invalid("query.to", "must be YYYY-MM-DD", in.To)
			}
		}
		if to.Before(from) {
			return nil, invalid("query.to", "must not be before from", in.To)
		}
		if from.Year < 2000 || to.Year > 2100 {
			return nil, invalid("query.from", "must be between 2000 and 2100", in.From)
		}
		scope := s.Authz.Scope(p, actAccidentRead)
		start, end := from.At(0, 0), to.At(0, 0).AddDate(0, 0, 1)
		cur, err := s.DB.AccidentTotals(ctx, scope, t.Path, start, end)
		if err != nil {
			return nil, problem(err)
		}
		prev, err := s.DB.AccidentTotals(ctx, scope, t.Path, start.AddDate(-1, 0, 0), end.AddDate(-1, 0, 0))
		if err != nil {
			return nil, problem(err)
		}
		out := AccidentStats{Tenant: tenant, From: from.String(), To: to.String(), Current: cur, Previous: prev,
			CountYoYPct: yoy(cur.Count, prev.Count), DeathsYoYPct: yoy(cur.Deaths, prev.Deaths), ZeroRegions: []string{}}
		children := s.Dir.Supervised(tenant)
		paths := make([]string, len(children))
		for i, c := range children {
			paths[i] = s.Dir.Get(c).Path
		}
		own, regions, err := s.DB.AccidentStatsByRegion(ctx, scope, tenant, paths, start, end)
		if err != nil {
			return nil, problem(err)
		}
		out.ByRegion = append(out.ByRegion, RegionStat{Tenant: tenant, Name: t.Name + "（本级）", Own: true, Accidents: own[0], Deaths: own[1]})
		for i, c := range children {
			out.ByRegion = append(out.ByRegion, RegionStat{Tenant: c, Name: s.name(c), Accidents: regions[i][0], Deaths: regions[i][1]})
			if regions[i][0] == 0 {
				out.ZeroRegions = append(out.ZeroRegions, c)
			}
		}
		sectors, err := s.DB.AccidentStatsBySector(ctx, scope, t.Path, start, end)
		if err != nil {
			return nil, problem(err)
		}
		for _, sc := range duban.AccidentSectors {
			x := sectors[sc.ID]
			out.BySector = append(out.BySector, SectorStat{Sector: sc.ID, Name: sc.Label.ZH, Accidents: x[0], Deaths: x[1]})
		}
		if x, ok := sectors[""]; ok {
			out.BySector = append(out.BySector, SectorStat{Sector: "", Name: "未分类", Accidents: x[0], Deaths: x[1]})
		}
		return &struct{ Body AccidentStats }{out}, nil
	})
}

// accidentUpdate loads the accident (404 outside the caller's view), checks
// the action at the tenant pick names, and sends the Update.
func (s *Server) accidentUpdate(ctx context.Context, id, update string, pick func(*duban.Accident) (tenant, action string, arg any)) (*struct{ Body duban.Accident }, error) {
	a, err := s.DB.GetAccident(ctx, s.Authz.Scope(principal(ctx), actAccidentRead), id)
	if err != nil {
		return nil, problem(err)
	}
	tenant, action, arg := pick(a)
	if err := s.require(ctx, action, tenant, lineOf(a.Line)...); err != nil {
		return nil, err
	}
	var out duban.Accident
	if err := s.Engine.Update(ctx, workflows.AccidentWorkflowID(id), update, arg, &out); err != nil {
		return nil, problem(err)
	}
	return &struct{ Body duban.Accident }{out}, nil
}
