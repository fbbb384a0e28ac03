package duban

import (
	"strings"
	"time"
)

// Dangerous works (危险性较大的分部分项工程, 危大工程) and the four gates the
// seed names: "严把危大工程'方案编审、安全交底、方案实施、工序验收'四个关口".

// DangerousCategories are the categories of the national list (住建部令第37号
// and 建办质〔2018〕31号 appendices).
var DangerousCategories = []Choice{
	{"excavation", Text{"基坑工程", "foundation pit (excavation)"}},
	{"formwork", Text{"模板工程及支撑体系", "formwork and shoring (高支模)"}},
	{"lifting", Text{"起重吊装及起重机械安装拆卸工程", "lifting and crane erection/dismantling"}},
	{"scaffolding", Text{"脚手架工程", "scaffolding"}},
	{"demolition", Text{"拆除工程", "demolition"}},
	{"tunnelling", Text{"暗挖工程", "underground excavation (tunnelling)"}},
	{"other", Text{"其它", "other (curtain walls, steel structures, confined spaces …)"}},
}

// The four gates, in the order they must be passed.
const (
	GatePlanReview     = "plan_review"    // 方案编审 (with expert review when over scale)
	GateBriefing       = "briefing"       // 安全交底
	GateImplementation = "implementation" // 方案实施
	GateAcceptance     = "acceptance"     // 工序验收
)

// Gates lists the four gates in order with their names.
var Gates = []Choice{
	{GatePlanReview, Text{"方案编审", "plan compiled & reviewed"}},
	{GateBriefing, Text{"安全交底", "safety briefing"}},
	{GateImplementation, Text{"方案实施", "plan implemented"}},
	{GateAcceptance, Text{"工序验收", "work accepted"}},
}

// GateIndex is the position of a gate (0–3), or -1.
func GateIndex(g string) int {
	for i, c := range Gates {
		if c.ID == g {
			return i
		}
	}
	return -1
}

// ExpertReview is the expert review (专家论证) a plan of a work over the
// scale needs: at least five experts (住建部令第37号 第十二条).
type ExpertReview struct {
	On         string   `json:"on" maxLength:"10" doc:"YYYY-MM-DD"`
	Experts    []string `json:"experts" minItems:"5" maxItems:"30" doc:"The experts' names (at least five)"`
	Conclusion string   `json:"conclusion" enum:"pass,pass_with_changes,fail" doc:"通过 / 修改后通过 / 不通过"`
}

// GatePass records one gate passed.
type GatePass struct {
	Gate         string        `json:"gate" enum:"plan_review,briefing,implementation,acceptance"`
	On           string        `json:"on" doc:"YYYY-MM-DD"`
	Person       string        `json:"person" doc:"Who is responsible for it (name)"`
	Attachment   string        `json:"attachment" doc:"The record (plan, briefing sheet, photos, acceptance sheet): att_…"`
	ExpertReview *ExpertReview `json:"expert_review,omitempty"`
	By           string        `json:"by"`
	At           time.Time     `json:"at"`
}

// DangerousWork is a dangerous work of a project and where it stands in
// the four gates. Its workflow owns it.
type DangerousWork struct {
	ID              string     `json:"id"`
	Project         string     `json:"project"`
	Code            string     `json:"code" doc:"The work's number within the project"`
	Tenant          string     `json:"tenant"`
	TenantPath      string     `json:"-"`
	Lines           []Line     `json:"lines"`
	Category        string     `json:"category"`
	OverScale       bool       `json:"over_scale" doc:"超过一定规模: the plan needs expert review"`
	Description     string     `json:"description"`
	StartsOn        string     `json:"starts_on" doc:"Planned start: the plan and the briefing are due by then"`
	EndsOn          string     `json:"ends_on" doc:"Planned end: implementation and acceptance are due by then"`
	Gates           []GatePass `json:"gates"`
	NextGate        string     `json:"next_gate,omitempty" doc:"The gate to pass next; absent when all four are passed"`
	NextDue         *time.Time `json:"next_due,omitempty"`
	Overdue         bool       `json:"overdue"`
	EscalationLevel int        `json:"escalation_level"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	Version         int64      `json:"version"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// DangerousWorkID is the id of a project's work with its number.
func DangerousWorkID(project, code string) string { return project + "." + code }

// GateDue is when a gate is due: the plan and the briefing by the start,
// implementation and acceptance by the end (end of that day, Shanghai).
func (w *DangerousWork) GateDue(gate string) time.Time {
	d := w.EndsOn
	if gate == GatePlanReview || gate == GateBriefing {
		d = w.StartsOn
	}
	t, _ := time.ParseInLocation("2006-01-02", d, Shanghai)
	return EndOfDay(t.Year(), t.Month(), t.Day())
}

// Advance sets NextGate and NextDue from the gates passed.
func (w *DangerousWork) Advance() {
	if len(w.Gates) >= len(Gates) {
		w.NextGate, w.NextDue, w.Overdue = "", nil, false
		return
	}
	w.NextGate = Gates[len(w.Gates)].ID
	due := w.GateDue(w.NextGate)
	w.NextDue = &due
}

// DangerousWorkInput is the body of create-dangerous-work and a row of a
// dangerous-works import.
type DangerousWorkInput struct {
	Project     string `json:"project" maxLength:"64" doc:"项目编号 of a registered project"`
	Code        string `json:"code" minLength:"1" maxLength:"32" doc:"The work's number within the project (letters, digits, dashes)"`
	Category    string `json:"category" enum:"excavation,formwork,lifting,scaffolding,demolition,tunnelling,other"`
	OverScale   bool   `json:"over_scale,omitempty" doc:"超过一定规模的危大工程 (default false)"`
	Description string `json:"description" minLength:"1" maxLength:"2000"`
	StartsOn    string `json:"starts_on" maxLength:"10" doc:"YYYY-MM-DD"`
	EndsOn      string `json:"ends_on" maxLength:"10" doc:"YYYY-MM-DD"`
}

var workCodeOK = func(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// Validate checks a dangerous work (the project is checked by the caller).
func (in DangerousWorkInput) Validate(at string) (*DangerousWork, error) {
	if !projectCodeRE.MatchString(in.Project) {
		return nil, Invalid(at+"project", "must be a project code", in.Project)
	}
	if !workCodeOK(in.Code) {
		return nil, Invalid(at+"code", "must be 1–32 letters, digits or dashes", in.Code)
	}
	ok := false
	for _, c := range DangerousCategories {
		ok = ok || c.ID == in.Category
	}
	if !ok {
		return nil, Invalid(at+"category", "unknown category: one of excavation, formwork, lifting, scaffolding, demolition, tunnelling, other", in.Category)
	}
	if err := NonBlank(at+"description", in.Description); err != nil {
		return nil, err
	}
	for _, f := range [][2]string{{"starts_on", in.StartsOn}, {"ends_on", in.EndsOn}} {
		d, err := time.Parse("2006-01-02", f[1])
		if err != nil || d.Year() < 2000 || d.Year() > 2100 {
			return nil, Invalid(at+f[0], "must be a date YYYY-MM-DD", f[1])
		}
	}
	if in.EndsOn < in.StartsOn {
		return nil, Invalid(at+"ends_on", "must not be before starts_on", in.EndsOn)
	}
	return &DangerousWork{ID: DangerousWorkID(in.Project, in.Code), Project: in.Project, Code: in.Code, Category: in.Category, OverScale: in.OverScale,
		Description: strings.TrimSpace(in.Description), StartsOn: in.StartsOn, EndsOn: in.EndsOn, Gates: []GatePass{}}, nil
}

// GateInput is the body of pass-dangerous-work-gate.
type GateInput struct {
	Gate         string        `json:"gate" enum:"plan_review,briefing,implementation,acceptance"`
	On           string        `json:"on" maxLength:"10" doc:"YYYY-MM-DD, not in the future"`
	Person       string        `json:"person" minLength:"1" maxLength:"50" doc:"Responsible person"`
	Attachment   string        `json:"attachment" maxLength:"80" doc:"The record: att_…"`
	ExpertReview *ExpertReview `json:"expert_review,omitempty" doc:"Required for plan_review of a work over the scale"`
}

// Validate checks a gate pass against the work (the order is the
// workflow's to check: 409).
func (in GateInput) Validate(w *DangerousWork, today string) (*GatePass, error) {
	if GateIndex(in.Gate) < 0 {
		return nil, Invalid("body.gate", "must be plan_review, briefing, implementation or acceptance", in.Gate)
	}
	if _, err := time.Parse("2006-01-02", in.On); err != nil || in.On > today || in.On < "2000-01-01" {
		return nil, Invalid("body.on", "must be a date YYYY-MM-DD, not in the future", in.On)
	}
	if err := NonBlank("body.person", in.Person); err != nil {
		return nil, err
	}
	if !ValidAttachment(in.Attachment) {
		return nil, Invalid("body.attachment", "must be an attachment reference like att_xxxx", in.Attachment)
	}
	g := &GatePass{Gate: in.Gate, On: in.On, Person: strings.TrimSpace(in.Person), Attachment: in.Attachment}
	if in.Gate == GatePlanReview && w.OverScale {
		r := in.ExpertReview
		if r == nil {
			return nil, Invalid("body.expert_review", "a work over the scale needs the expert review of its plan", nil)
		}
		if _, err := time.Parse("2006-01-02", r.On); err != nil || r.On > in.On {
			return nil, Invalid("body.expert_review.on", "must be a date YYYY-MM-DD, not after the gate", r.On)
		}
		n := 0
		for _, e := range r.Experts {
			if strings.TrimSpace(e) != "" {
				n++
			}
		}
		if n < 5 {
			return nil, Invalid("body.expert_review.experts", "at least five experts", n)
		}
		switch r.Conclusion {
		case "pass", "pass_with_changes":
		case "fail":
			return nil, Invalid("body.expert_review.conclusion", "a plan the experts failed must be revised and reviewed again", r.Conclusion)
		default:
			return nil, Invalid("body.expert_review.conclusion", "must be pass, pass_with_changes or fail", r.Conclusion)
		}
		g.ExpertReview = r
	} else if in.ExpertReview != nil && in.Gate != GatePlanReview {
		return nil, Invalid("body.expert_review", "only the plan_review gate has an expert review", nil)
	}
	return g, nil
}

// GateName is a gate's Chinese name with its id.
func GateName(g string) string {
	if i := GateIndex(g); i >= 0 {
		return Gates[i].Label.ZH + " " + g
	}
	return g
}
