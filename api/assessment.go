package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/xuri/excelize/v2"
)

// Authorization actions on assessments (考核).
const (
	actAssessmentRead   = "assessment.read"
	actAssessmentCreate = "assessment.create"
	actAssessmentAction = "assessment.action"
)

// AssessmentRequest is the body of create-assessment.
type AssessmentRequest struct {
	Campaign string `json:"campaign" maxLength:"64" doc:"The responsibility-letter campaign (安全生产目标管理责任书) whose signed letters state the targets"`
	Tenant   string `json:"tenant,omitempty" maxLength:"6" doc:"The assessing tenant (default: the campaign scope); the units it directly supervises that signed a letter are assessed"`
	Year     int    `json:"year" minimum:"2000" maximum:"2100" doc:"The assessed year (1 January to 31 December, China time)"`
}

// letterStates are the states of a letter that was signed and filed.
var letterStates = map[duban.AssignmentState]bool{duban.StateSubmitted: true, duban.StateApproved: true, duban.StateSignedOff: true}

func (s *Server) registerAssessments(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-assessment", Method: http.MethodPost, Path: "/v1/assessments", Tags: []string{"Assessments"},
		Summary: "Assess a year (年度考核) against the responsibility letters: each unit scored per target from Duban's records, 一票否决 on a major accident or a 瞒报",
		Description: "Every unit the assessing tenant directly supervises that signed a letter in the campaign is scored: an equal share of 100 points per target it accepted " +
			"(accidents and deaths not above, reduction on last year, dual-prevention coverage, on-time rate, hazards closed on time), each with its counting rule and the query " +
			"behind its figure. A major or especially major accident, or a concealed one (瞒报), fails the unit whatever its score. The assessment is published to every unit it assesses.",
		Security: bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body AssessmentRequest }) (*struct{ Body duban.Assessment }, error) {
		b := in.Body
		c, err := s.campaign(ctx, b.Campaign)
		if err != nil {
			return nil, err // 404: a campaign you cannot see is none
		}
		if c.Template != "responsibility-letter" {
			return nil, invalid("body.campaign", "must be a responsibility-letter campaign (安全生产目标管理责任书)", b.Campaign)
		}
		if b.Tenant == "" {
			b.Tenant = c.Scope
		}
		t := s.Dir.Get(b.Tenant)
		if t == nil || !s.Dir.Within(b.Tenant, c.Scope) {
			return nil, invalid("body.tenant", "must be a tenant inside the campaign scope", b.Tenant)
		}
		now := s.Now().UTC().Truncate(time.Second)
		if b.Year > now.In(duban.Shanghai).Year() {
			return nil, invalid("body.year", "must not be a future year", b.Year)
		}
		if err := s.require(ctx, actAssessmentCreate, b.Tenant, c.Lines...); err != nil {
			return nil, err
		}
		p := principal(ctx)
		from := time.Date(b.Year, 1, 1, 0, 0, 0, 0, duban.Shanghai).UTC()
		to := time.Date(b.Year+1, 1, 1, 0, 0, 0, 0, duban.Shanghai).UTC()
		children := s.Dir.Supervised(b.Tenant)
		letters, _, err := s.DB.ListAssignments(ctx, duban.SystemScope, duban.AssignmentFilter{Campaign: c.ID, Tenants: children, Limit: 10000})
		if err != nil {
			return nil, problem(err)
		}
		cov, err := s.coverage(ctx, *t, duban.CoreDualPreventionScope)
		if err != nil {
			return nil, err
		}
		covOf := map[string]duban.Coverage{}
		for _, x := range cov {
			covOf[x.Tenant] = x
		}
		scope := s.Authz.Scope(p, actAssessmentCreate)
		out := &duban.Assessment{ID: newID("e"), Campaign: c.ID, CampaignTitle: c.Title, Tenant: b.Tenant, TenantName: s.name(b.Tenant), Lines: c.Lines, Year: b.Year,
			From: from.In(duban.Shanghai).Format("2006-01-02"), To: to.In(duban.Shanghai).Format("2006-01-02"), Units: []duban.AssessedUnit{},
			Actions: []duban.AssessmentAction{}, CreatedBy: p.Login, CreatedAt: now, Version: 1, UpdatedAt: now}
		for _, a := range letters {
			if !letterStates[a.State] || a.Report == nil {
				continue
			}
			u := s.Dir.Get(a.Tenant)
			fig, err := s.DB.AssessmentFigures(ctx, scope, u.Path, from, to)
			if err != nil {
				return nil, problem(err)
			}
			if x, ok := covOf[a.Tenant]; ok && !x.NothingInScope {
				v := x.Coverage
				fig.Coverage = &v
			}
			unit := duban.Assess(duban.LetterTargetsFrom(a.Report), fig, func(target string) string { return evidence(target, u.Path, from, to) })
			unit.Tenant, unit.Name, unit.Assignment = a.Tenant, u.Name, a.ID
			unit.Signatory, _ = a.Report["signatory"].(string)
			out.Units = append(out.Units, unit)
		}
		if len(out.Units) == 0 {
			return nil, huma.Error409Conflict("no unit under " + b.Tenant + " has signed a letter in this campaign yet / 尚无下级单位签订责任书")
		}
		if err := s.DB.InsertAssessment(ctx, scope, out); err != nil {
			return nil, problem(err)
		}
		for _, u := range out.Units {
			s.notice(ctx, "assessment/"+out.ID, "assessment.published", duban.Text{
				ZH: fmt.Sprintf("%d 年度安全生产目标考核结果：%s（%.1f 分）%s", b.Year, u.ResultName, u.Score, vetoZH(u)),
				EN: fmt.Sprintf("Assessment %d: %s (%.1f points)", b.Year, u.Result, u.Score)}, map[string]any{"assessment": out.ID}, u.Tenant)
		}
		return &struct{ Body duban.Assessment }{*out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-assessment", Method: http.MethodGet, Path: "/v1/assessments/{id}", Tags: []string{"Assessments"},
		Summary:  "Get an assessment as JSON or XLSX (each unit's score per target, the evidence, 一票否决, rewards and accountability)",
		Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" maxLength:"40"`
		Format string `query:"format" enum:"json,xlsx" default:"json"`
	}) (*fileOut, error) {
		a, err := s.DB.GetAssessment(ctx, s.Authz.Scope(principal(ctx), actAssessmentRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		out := &fileOut{}
		if in.Format == "xlsx" {
			out.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			out.ContentDisposition = `attachment; filename="` + a.ID + `.xlsx"`
			if out.Body, err = assessmentXLSX(a); err != nil {
				return nil, problem(err)
			}
			return out, nil
		}
		out.ContentType = "application/json"
		out.Body, _ = json.Marshal(a)
		return out, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-assessments", Method: http.MethodGet, Path: "/v1/assessments", Tags: []string{"Assessments"},
		Summary: "List assessments made in your subtree or of it", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Campaign string `query:"campaign" maxLength:"64"`
		Year     int    `query:"year" minimum:"0" maximum:"2100" doc:"0: any"`
		PageParams
	}) (*struct {
		Body Page[duban.Assessment]
	}, error) {
		scope, after, err := s.listFrom(ctx, actAssessmentRead, "", in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListAssessments(ctx, scope, in.Campaign, in.Year, after, in.Limit)
		if err != nil {
			return nil, problem(err)
		}
		return &struct {
			Body Page[duban.Assessment]
		}{pageOf(items, total, in.Limit, func(a duban.Assessment) string { return a.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "record-assessment-action", Method: http.MethodPost, Path: "/v1/assessments/{id}/actions", Tags: []string{"Assessments"},
		Summary:  "Record a reward (奖励) or an accountability measure (问责) against an assessed unit (the assessor); no reward for a unit failed by 一票否决",
		Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"40"`
		Body struct {
			Tenant      string `json:"tenant" maxLength:"6" doc:"The assessed unit"`
			Kind        string `json:"kind" enum:"reward,accountability"`
			Description string `json:"description" maxLength:"2000" doc:"What is done (e.g. 通报表扬并奖励, 约谈主要负责人, 责令作出书面检查)"`
			Version     int64  `json:"version" minimum:"1" doc:"The assessment's version you read (optimistic)"`
		}
	}) (*struct{ Body duban.Assessment }, error) {
		if err := duban.NonBlank("body.description", in.Body.Description); err != nil {
			return nil, problem(err)
		}
		p := principal(ctx)
		a, err := s.DB.GetAssessment(ctx, s.Authz.Scope(p, actAssessmentRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		var unit *duban.AssessedUnit
		for i := range a.Units {
			if a.Units[i].Tenant == in.Body.Tenant {
				unit = &a.Units[i]
			}
		}
		if unit == nil {
			return nil, invalid("body.tenant", "not a unit of this assessment", in.Body.Tenant)
		}
		if err := s.require(ctx, actAssessmentAction, a.Tenant, a.Lines...); err != nil {
			return nil, err
		}
		if in.Body.Version != a.Version {
			return nil, huma.Error409Conflict(fmt.Sprintf("the assessment is at version %d, not %d: read it again / 考核结果已更新，请刷新", a.Version, in.Body.Version))
		}
		if in.Body.Kind == "reward" && unit.Vetoed {
			return nil, huma.Error409Conflict("the unit failed by one-vote veto (一票否决): it cannot be rewarded / 该单位被一票否决，不能奖励")
		}
		now := s.Now().UTC().Truncate(time.Second)
		act := duban.AssessmentAction{Tenant: unit.Tenant, Kind: in.Body.Kind, Description: strings.TrimSpace(in.Body.Description), By: p.Login, At: now}
		a.Actions = append(a.Actions, act)
		a.Version++
		a.UpdatedAt = now
		if err := s.DB.UpdateAssessment(ctx, s.Authz.Scope(p, actAssessmentAction), a, in.Body.Kind, act); err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Assessment }{*a}, nil
	})
}

// evidence is the query over Duban's records a target's figure comes from.
func evidence(target, path string, from, to time.Time) string {
	period := fmt.Sprintf("'%s' <= %%s < '%s'", from.Format(time.RFC3339), to.Format(time.RFC3339))
	switch target {
	case "max_accidents", "max_deaths":
		return "SELECT count(*), sum(deaths) FROM accidents WHERE tenant_path <@ '" + path + "' AND " + fmt.Sprintf(period, "occurred_at")
	case "reduce_percent":
		return "SELECT count(*) FROM accidents WHERE tenant_path <@ '" + path + "' AND occurred_at in this year and in the year before"
	case "coverage_min":
		return "registry coverage (core tier) of " + path + ": (enterprises verified + projects verified) / in scope (GET /v1/registry/coverage)"
	case "on_time_min":
		return "SELECT count(*) FILTER (WHERE first_submitted_at <= due_at), count(*) FROM assignments WHERE tenant_path <@ '" + path + "' AND state <> 'cancelled' AND " + fmt.Sprintf(period, "due_at")
	case "hazards_on_time_min":
		return "SELECT count(*) FILTER (WHERE state = 'closed' AND closed_at <= deadline), count(*) FROM hazards WHERE tenant_path <@ '" + path + "' AND " + fmt.Sprintf(period, "deadline")
	}
	return ""
}

func vetoZH(u duban.AssessedUnit) string {
	if u.Vetoed {
		return "，一票否决：" + u.VetoReason
	}
	return ""
}

func assessmentXLSX(a *duban.Assessment) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "考核结果"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	rows := [][]any{
		{fmt.Sprintf("%s %d 年度安全生产目标考核结果", a.TenantName, a.Year)},
		{"考核单位：" + a.TenantName + " " + a.Tenant + "　责任书：" + a.CampaignTitle + "　期间：" + a.From + " 至 " + a.To},
		{},
		{"单位代码", "单位", "签订人", "考核项目", "目标", "实际", "是否达标", "得分", "计分规则", "数据来源"},
	}
	for _, u := range a.Units {
		for _, sc := range u.Scores {
			met := "否"
			if sc.Met {
				met = "是"
			}
			rows = append(rows, []any{u.Tenant, u.Name, u.Signatory, sc.Label, sc.Goal, sc.Actual, met, sc.Points, sc.Rule, sc.Evidence})
		}
		veto := ""
		if u.Vetoed {
			veto = "一票否决：" + u.VetoReason
		}
		rows = append(rows, []any{u.Tenant, u.Name, u.Signatory, "总分", "", "", u.ResultName, u.Score, veto, ""})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return nil, err
		}
	}
	_ = f.MergeCell(sheet, "A1", "J1")
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	_ = f.SetCellStyle(sheet, "A1", "A1", title)
	if len(a.Actions) > 0 {
		const acts = "奖惩问责"
		if _, err := f.NewSheet(acts); err != nil {
			return nil, err
		}
		head := []any{"单位代码", "类别", "内容", "记录人", "时间"}
		_ = f.SetSheetRow(acts, "A1", &head)
		for i, x := range a.Actions {
			kind := "奖励"
			if x.Kind == "accountability" {
				kind = "问责"
			}
			r := []any{x.Tenant, kind, x.Description, x.By, x.At.In(duban.Shanghai).Format("2006-01-02 15:04")}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			_ = f.SetSheetRow(acts, cell, &r)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
