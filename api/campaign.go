package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/workflows"
)

// Authorization actions of the campaign engine.
const (
	actCampaignLaunch = "campaign.launch"
	actCampaignRead   = "campaign.read"
	actCampaignCancel = "campaign.cancel"
)

// TemplateOut is a campaign template as the API shows it.
type TemplateOut struct {
	ID          string                     `json:"id"`
	Name        duban.Text                 `json:"name"`
	Description duban.Text                 `json:"description"`
	Phases      []duban.Phase              `json:"phases"`
	Levels      []duban.Level              `json:"levels" doc:"Default target levels"`
	Tasks       map[duban.Level]duban.Task `json:"tasks" doc:"Task and report form per target level"`
	Reminders   []int                      `json:"reminders" doc:"Reminders, in working days before the due date (0: on the due date)"`
	Escalation  []duban.EscalationStep     `json:"escalation" doc:"Escalation ladder on overdue work, in working days after the due date"`
	Ratios      []duban.Ratio              `json:"ratios,omitempty" doc:"Derived figures of the rolled-up totals"`
	FocusAreas  []duban.Choice             `json:"focus_areas,omitempty" doc:"Selectable per campaign in options.focus_areas"`
	Lists       bool                       `json:"lists" doc:"Targets keep the three lists (三个清单): list-list-items, upsert-list-item"`
	Line        string                     `json:"line,omitempty" doc:"The department line its campaigns belong to by default; absent: the planner's"`
}

func templateOut(t *duban.Template) TemplateOut {
	return TemplateOut{ID: t.ID, Name: t.Name, Description: t.Description, Phases: t.Phases, Levels: t.Levels, Tasks: t.Tasks,
		Reminders: t.Reminders, Escalation: t.Escalation, Ratios: t.Ratios, FocusAreas: t.FocusAreas, Lists: t.Lists, Line: string(t.Line)}
}

// CampaignOut is a campaign as the API shows it.
type CampaignOut struct {
	ID        string                `json:"id"`
	Template  string                `json:"template"`
	Title     string                `json:"title"`
	Scope     string                `json:"scope"`
	Levels    []duban.Level         `json:"levels"`
	Phases    []duban.PhaseDeadline `json:"phases"`
	Targets   []string              `json:"targets,omitempty"`
	Options   duban.CampaignOptions `json:"options"`
	Lines     []duban.Line          `json:"lines" doc:"Department lines (条线); several: a joint campaign (联合)"`
	Status    string                `json:"status" enum:"running,completed,cancelled"`
	CreatedBy string                `json:"created_by"`
	CreatedAt time.Time             `json:"created_at"`
	EndedAt   *time.Time            `json:"ended_at,omitempty"`
	EndReason string                `json:"end_reason,omitempty"`
}

func campaignOut(c *duban.Campaign) CampaignOut {
	return CampaignOut{ID: c.ID, Template: c.Template, Title: c.Title, Scope: c.Scope, Levels: c.Levels, Phases: c.Phases,
		Targets: c.Targets, Options: c.Options, Lines: c.Lines, Status: c.Status, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, EndedAt: c.EndedAt, EndReason: c.EndReason}
}

type launchIn struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"128" doc:"Retrying with the same key returns the first response; the same key with another body is 422"`
	Body           duban.LaunchRequest
}

func (s *Server) registerCampaigns(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-campaign-templates", Method: http.MethodGet, Path: "/v1/campaign-templates", Tags: []string{"Campaigns"},
		Summary: "List campaign templates (专项整治模板)", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct{}) (*struct{ Body Page[TemplateOut] }, error) {
		ts := duban.Templates()
		out := make([]TemplateOut, len(ts))
		for i, t := range ts {
			out[i] = templateOut(t)
		}
		return &struct{ Body Page[TemplateOut] }{Page[TemplateOut]{Items: out, Total: len(out)}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "launch-campaign", Method: http.MethodPost, Path: "/v1/campaigns", Tags: []string{"Campaigns"},
		Summary:  "Launch a campaign: tasks cascade to every target tenant (planner at the scope)",
		Security: bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *launchIn) (*struct{ Body CampaignOut }, error) {
		return s.launch(ctx, in)
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-campaigns", Method: http.MethodGet, Path: "/v1/campaigns", Tags: []string{"Campaigns"},
		Summary: "List campaigns in or covering your tenants, newest first", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Status   string `query:"status" enum:"running,completed,cancelled"`
		Template string `query:"template" maxLength:"64"`
		Line     string `query:"line" enum:"construction,emergency,market,safety_office,food_office" doc:"Only campaigns in this department line"`
		PageParams
	}) (*struct{ Body Page[CampaignOut] }, error) {
		scope, before, err := s.listFrom(ctx, actCampaignRead, "", in.Cursor)
		if err != nil {
			return nil, err
		}
		cs, total, err := s.DB.ListCampaigns(ctx, scope, duban.CampaignFilter{Status: in.Status, Template: in.Template, Line: in.Line, Before: before, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		out := make([]CampaignOut, len(cs))
		for i := range cs {
			out[i] = campaignOut(&cs[i])
		}
		return &struct{ Body Page[CampaignOut] }{pageOf(out, total, in.Limit, func(c CampaignOut) string { return c.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-campaign", Method: http.MethodGet, Path: "/v1/campaigns/{id}", Tags: []string{"Campaigns"},
		Summary: "Get a campaign", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*struct{ Body CampaignOut }, error) {
		c, err := s.campaign(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body CampaignOut }{campaignOut(c)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-campaign-progress", Method: http.MethodGet, Path: "/v1/campaigns/{id}/progress", Tags: []string{"Campaigns"},
		Summary:     "Progress of a campaign, rolled up the tree",
		Description: "The roll-up for a tenant (default: the campaign scope, or your own tenant when the scope is above you) and for each tenant it supervises directly.",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" maxLength:"64"`
		Tenant string `query:"tenant" maxLength:"6"`
	}) (*struct{ Body ProgressOut }, error) {
		return s.progress(ctx, in.ID, in.Tenant)
	})

	huma.Register(api, huma.Operation{
		OperationID: "cancel-campaign", Method: http.MethodPost, Path: "/v1/campaigns/{id}/cancel", Tags: []string{"Campaigns"},
		Summary: "Cancel a campaign: every running assignment is cancelled and recorded (planner at the scope)", Security: bearerSecurity,
		MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"64"`
		Body struct {
			Reason string `json:"reason" minLength:"1" maxLength:"500"`
		}
	}) (*struct{ Body CampaignOut }, error) {
		c, err := s.campaign(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if err := s.require(ctx, actCampaignCancel, c.Scope, c.Lines...); err != nil {
			return nil, err
		}
		if c.Status != duban.CampaignRunning {
			return nil, huma.Error409Conflict("campaign is " + c.Status)
		}
		var status string
		if err := s.Engine.Update(ctx, workflows.RootID(c.ID), workflows.UpdateCancel, workflows.CancelInput{Actor: actor(ctx), Reason: in.Body.Reason}, &status); err != nil {
			return nil, problem(err)
		}
		if tpl := duban.TemplateByID(c.Template); tpl != nil && tpl.Cadence != nil {
			_ = s.Engine.Cancel(ctx, workflows.CadenceWorkflowID(c.ID)) // no more periods; running ones stay
		}
		if c, err = s.campaign(ctx, in.ID); err != nil {
			return nil, err
		}
		return &struct{ Body CampaignOut }{campaignOut(c)}, nil
	})
}

// campaign loads a campaign visible to the caller (404 otherwise).
func (s *Server) campaign(ctx context.Context, id string) (*duban.Campaign, error) {
	scope := s.Authz.Scope(principal(ctx), actCampaignRead)
	c, err := s.DB.GetCampaign(ctx, scope, id)
	if err != nil {
		return nil, problem(err)
	}
	return c, nil
}

func (s *Server) launch(ctx context.Context, in *launchIn) (*struct{ Body CampaignOut }, error) {
	p := principal(ctx)
	b := in.Body
	now := s.Now().UTC()
	c, err := b.Validate(s.Dir, now)
	if err != nil {
		return nil, problem(err)
	}
	if err := s.requireLaunch(ctx, c); err != nil {
		return nil, err
	}
	c.ID, c.CreatedBy, c.CreatedAt = objectID(ctx, "c", p.Login), p.Login, now.Truncate(time.Microsecond)
	if err := s.DB.InsertCampaign(ctx, s.Authz.Scope(p, actCampaignLaunch), c); err != nil {
		if duban.ErrorCode(err) != duban.EConflict || idempotencyKey(ctx) == "" {
			return nil, problem(err)
		}
		// A retry under the same key after a failure half-way: the campaign
		// was recorded, its workflow perhaps not started.
		if c, err = s.DB.GetCampaign(ctx, s.Authz.Scope(p, actCampaignRead), c.ID); err != nil {
			return nil, problem(err)
		}
	}
	if err := s.startCampaign(ctx, c); err != nil {
		return nil, err
	}
	return &struct{ Body CampaignOut }{campaignOut(c)}, nil
}

// requireLaunch: the planner launches at the scope in every line of the
// campaign (a joint campaign needs each). A campaign of the generic template
// without lines takes the planner's line there (construction when the
// planner holds every line, or none).
func (s *Server) requireLaunch(ctx context.Context, c *duban.Campaign) error {
	if len(c.Lines) == 0 {
		c.Lines = []duban.Line{s.ownLine(ctx, actCampaignLaunch, c.Scope, duban.LineConstruction)}
	}
	for _, l := range c.Lines {
		if err := s.require(ctx, actCampaignLaunch, c.Scope, l); err != nil {
			return err
		}
	}
	return nil
}

// startCampaign starts the root workflow; starting it again is a no-op.
func (s *Server) startCampaign(ctx context.Context, c *duban.Campaign) error {
	tpl := duban.TemplateByID(c.Template)
	if tpl == nil {
		return huma.Error500InternalServerError("internal error")
	}
	// The assignment spans the campaign: due at its last phase; earlier
	// phases are its milestones.
	last := c.Phases[len(c.Phases)-1]
	in := workflows.NodeInput{CampaignID: c.ID, Root: true, Scope: c.Scope, Tenant: c.Scope, Name: s.Dir.Get(c.Scope).Name,
		Level: s.Dir.Get(c.Scope).Level, Title: c.Title, Phase: last.ID, Due: last.Due, Levels: c.Levels,
		Targets: c.Targets, Template: *tpl}
	if err := s.Engine.Start(ctx, workflows.RootID(c.ID), workflows.WorkflowName, in); err != nil {
		return problem(err)
	}
	// milestones: reminders before every earlier phase's deadline, and the
	// ratio targets checked at each
	if c.ParentCampaign == "" && (len(c.Phases) > 1 || len(c.Options.Targets) > 0) {
		names := map[string]string{}
		for _, p := range tpl.Phases {
			names[p.ID] = p.Name.ZH
		}
		if err := s.Engine.Start(ctx, workflows.MilestonesWorkflowID(c.ID), workflows.MilestonesWorkflowName, workflows.MilestonesInput{Campaign: c.ID,
			Title: c.Title, Scope: c.Scope, Phases: c.Phases, Names: names, Reminders: tpl.Reminders}); err != nil {
			return problem(err)
		}
	}
	if tpl.Cadence == nil || c.ParentCampaign != "" {
		return nil
	}
	return problem(s.Engine.Start(ctx, workflows.CadenceWorkflowID(c.ID), workflows.CadenceWorkflowName,
		workflows.CadenceInput{Campaign: *c, ScopeName: in.Name, ScopeLevel: in.Level, Template: *tpl, Until: last.Due}))
}

func requestHash(op string, body any) string {
	b, _ := json.Marshal(body)
	h := sha256.Sum256(append([]byte(op+"\n"), b...))
	return hex.EncodeToString(h[:])
}

// ProgressOut is a campaign's progress at one tenant and its children.
type ProgressOut struct {
	Campaign string             `json:"campaign"`
	Targets  map[string]float64 `json:"targets,omitempty" doc:"Targets the planner set for the ratios (e.g. coverage)"`
	Tenant   duban.Progress     `json:"tenant"`
	Children []duban.Progress   `json:"children"`
}

func (s *Server) progress(ctx context.Context, id, tenant string) (*struct{ Body ProgressOut }, error) {
	c, err := s.campaign(ctx, id)
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	if tenant == "" {
		tenant = c.Scope
		if ok, _ := s.Authz.Can(p.Login, actCampaignRead, tenant, c.Lines...); !ok {
			tenant = p.Tenant
		}
	}
	t := s.Dir.Get(tenant)
	if t == nil {
		return nil, invalid("query.tenant", "unknown tenant", tenant)
	}
	if !s.Dir.Within(tenant, c.Scope) {
		return nil, invalid("query.tenant", "the tenant lies outside the campaign scope", tenant)
	}
	if err := s.require(ctx, actCampaignRead, tenant, c.Lines...); err != nil {
		return nil, err
	}
	nodes := []duban.Tenant{*t}
	for _, code := range s.Dir.Supervised(tenant) {
		nodes = append(nodes, *s.Dir.Get(code))
	}
	rows, err := s.DB.CampaignProgress(ctx, s.Authz.Scope(p, actCampaignRead), c.ID, c.Levels[len(c.Levels)-1], nodes, s.Now())
	if err != nil {
		return nil, problem(err)
	}
	if tpl := duban.TemplateByID(c.Template); tpl != nil {
		if err := s.registryTotals(ctx, tpl, *t, rows); err != nil {
			return nil, err
		}
		for i := range rows {
			rows[i].Ratios = tpl.RatioValues(rows[i].Totals)
		}
	}
	out := ProgressOut{Campaign: c.ID, Tenant: rows[0], Targets: c.Options.Targets}
	for _, r := range rows[1:] {
		if r.Total > 0 {
			out.Children = append(out.Children, r)
		}
	}
	if out.Children == nil {
		out.Children = []duban.Progress{}
	}
	return &struct{ Body ProgressOut }{out}, nil
}

// registryTotals puts the registry's dual-prevention counts into the
// totals of progress rows (parent and its supervised children) of a
// template whose coverage the registry computes: coverage is what the
// records show, not what a form says.
func (s *Server) registryTotals(ctx context.Context, tpl *duban.Template, parent duban.Tenant, rows []duban.Progress) error {
	if !tpl.RegistryCoverage {
		return nil
	}
	cov, err := s.coverage(ctx, parent, duban.CoreDualPreventionScope)
	if err != nil {
		return err
	}
	duban.FillCoverage(rows, cov)
	return nil
}

// PreviewOut is what a launch would create, before it does.
type PreviewOut struct {
	Levels []LevelCount          `json:"levels" doc:"Assignments each target level gets"`
	Total  int                   `json:"total"`
	Phases []duban.PhaseDeadline `json:"phases" doc:"The deadlines the launch would set (defaults filled in)"`
}

// LevelCount is how many assignments one level gets.
type LevelCount struct {
	Level duban.Level `json:"level"`
	Count int         `json:"count"`
}

func (s *Server) registerPreview(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "preview-campaign", Method: http.MethodPost, Path: "/v1/campaigns/preview", Tags: []string{"Campaigns"},
		Summary:     "Preview a launch: assignments per level and deadlines (nothing is created)",
		Description: "Validates the request exactly as launch-campaign does and answers what it would create.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body duban.LaunchRequest }) (*struct{ Body PreviewOut }, error) {
		c, err := in.Body.Validate(s.Dir, s.Now().UTC())
		if err != nil {
			return nil, problem(err)
		}
		if err := s.requireLaunch(ctx, c); err != nil {
			return nil, err
		}
		levels := map[duban.Level]bool{}
		for _, l := range c.Levels {
			levels[l] = true
		}
		counts := map[duban.Level]int{}
		var walk func(code string)
		walk = func(code string) {
			for _, child := range s.Dir.Supervised(code) {
				t := s.Dir.Get(child)
				if levels[t.Level] && s.targeted(child, c.Targets) {
					counts[t.Level]++
				}
				walk(child)
			}
		}
		walk(c.Scope)
		out := PreviewOut{Levels: []LevelCount{}, Phases: c.Phases}
		for _, l := range c.Levels {
			out.Levels = append(out.Levels, LevelCount{Level: l, Count: counts[l]})
			out.Total += counts[l]
		}
		return &struct{ Body PreviewOut }{out}, nil
	})
}

// targeted reports whether code lies in one of targets (all when none).
func (s *Server) targeted(code string, targets []string) bool {
	if len(targets) == 0 {
		return true
	}
	for _, t := range targets {
		if s.Dir.Within(code, t) {
			return true
		}
	}
	return false
}
