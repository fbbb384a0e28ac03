package duban

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// HazardRequest is the body of report-hazard.
type HazardRequest struct {
	Tenant          string             `json:"tenant" minLength:"2" maxLength:"6" doc:"Where the hazard is (tenant code)"`
	Campaign        string             `json:"campaign,omitempty" maxLength:"64" doc:"The campaign whose inspection found it, if any"`
	Place           string             `json:"place" minLength:"1" maxLength:"500" doc:"Where (地点)"`
	Description     string             `json:"description" minLength:"1" maxLength:"5000" doc:"What (隐患内容)"`
	Grade           string             `json:"grade" enum:"general,major" doc:"一般 general / 重大 major"`
	FoundBy         string             `json:"found_by" enum:"open,covert,cross_region" doc:"Inspection kind: 明查 open, 暗访 covert, 异地执法 cross-region"`
	ResponsibleUnit string             `json:"responsible_unit" minLength:"1" maxLength:"200" doc:"责任单位"`
	Deadline        string             `json:"deadline" maxLength:"40" doc:"Rectification deadline: YYYY-MM-DD (end of day, Asia/Shanghai) or RFC 3339; in the future, within two years"`
	Photos          []string           `json:"photos,omitempty" maxItems:"50" doc:"Attachment references (att_…)"`
	Plan            *RectificationPlan `json:"plan,omitempty" doc:"Rectification plan with the five elements (五到位); required of a major hazard before it is rectified"`
	Line            string             `json:"line,omitempty" enum:"construction,emergency,market,safety_office,food_office" doc:"Department line (条线) that supervises it; default: the campaign's, else the reporter's own line (construction when the reporter holds every line)"`
	Enterprise      string             `json:"enterprise,omitempty" maxLength:"18" doc:"The enterprise concerned (统一社会信用代码), registered in the same subtree"`
	Project         string             `json:"project,omitempty" maxLength:"64" doc:"The project concerned (项目编号), registered in the same subtree"`
}

// Validate checks a report-hazard body against the tree and the clock
// and returns the hazard's first version (without id and reporter).
func (b HazardRequest) Validate(dir *Directory, now time.Time) (*Hazard, error) {
	t := dir.Get(b.Tenant)
	if t == nil || t.Code == RootCode {
		return nil, Invalid("body.tenant", "unknown tenant", b.Tenant)
	}
	for _, f := range [][2]string{{"body.place", b.Place}, {"body.description", b.Description}, {"body.responsible_unit", b.ResponsibleUnit}} {
		if err := NonBlank(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	if b.Grade != string(HazardGeneral) && b.Grade != string(HazardMajor) {
		return nil, Invalid("body.grade", "must be general or major", b.Grade)
	}
	if !slices.Contains(InspectionKinds, b.FoundBy) {
		return nil, Invalid("body.found_by", "must be one of: open, covert, cross_region", b.FoundBy)
	}
	due, err := ParseFutureDeadline("body.deadline", b.Deadline, now, HazardHorizon)
	if err != nil {
		return nil, err
	}
	if err := ValidAttachments("body.photos", b.Photos); err != nil {
		return nil, err
	}
	if err := ValidPlan(b.Plan); err != nil {
		return nil, err
	}
	h := &Hazard{Tenant: t.Code, Campaign: b.Campaign, Place: strings.TrimSpace(b.Place), Description: strings.TrimSpace(b.Description),
		Grade: HazardGrade(b.Grade), FoundBy: b.FoundBy, ResponsibleUnit: strings.TrimSpace(b.ResponsibleUnit), Deadline: due,
		Photos: b.Photos, Plan: b.Plan, State: HazardOpen, ReportedAt: now, Version: 1, UpdatedAt: now,
		Line: Line(b.Line), Enterprise: b.Enterprise, Project: b.Project}
	if h.Grade == HazardMajor { // 挂牌督办 by the province
		h.Listed, h.ListedBy = true, provinceOf(dir, t.Code)
	}
	return h, nil
}

// provinceOf is the province above (or at) a tenant.
func provinceOf(dir *Directory, code string) string {
	if t := dir.Get(code); t != nil && t.Level == LevelProvince {
		return code
	}
	for _, a := range dir.Ancestors(code) {
		if t := dir.Get(a); t != nil && t.Level == LevelProvince {
			return a
		}
	}
	return ""
}

// ValidAttachments is a 422 naming the first bad attachment reference.
func ValidAttachments(loc string, refs []string) error {
	for i, r := range refs {
		if !ValidAttachment(r) {
			return Invalid(loc+"["+strconv.Itoa(i)+"]", "must be an attachment reference like att_xxxx", r)
		}
	}
	return nil
}

// ValidPlan checks the fields given; completeness is checked when it matters.
func ValidPlan(p *RectificationPlan) error {
	if p == nil {
		return nil
	}
	if p.Deadline != "" {
		if _, ok := ParseDeadline(p.Deadline); !ok || len(p.Deadline) != 10 {
			return Invalid("body.plan.deadline", "must be a date YYYY-MM-DD", p.Deadline)
		}
	}
	return nil
}
