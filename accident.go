package duban

import "time"

// AccidentGrade is the grade of a work-safety accident (事故等级).
type AccidentGrade string

// Accident grades, lowest first.
const (
	GradeGeneral         AccidentGrade = "general"          // 一般事故
	GradeLarger          AccidentGrade = "larger"           // 较大事故
	GradeMajor           AccidentGrade = "major"            // 重大事故
	GradeEspeciallyMajor AccidentGrade = "especially_major" // 特别重大事故
)

// GradeAccident grades an accident by the 2007 regulation on work-safety
// accident reports (生产安全事故报告和调查处理条例, art. 3): by deaths
// (3 / 10 / 30), serious injuries (10 / 50 / 100) and direct economic loss
// (10 / 50 / 100 million CNY), the higher grade winning. "以上" includes the
// number, "以下" does not. Negative figures count as zero.
func GradeAccident(deaths, seriousInjuries int, directLossCNY int64) AccidentGrade {
	const million = 1_000_000
	grade := GradeGeneral
	raise := func(g AccidentGrade) {
		if accidentRank(g) > accidentRank(grade) {
			grade = g
		}
	}
	switch {
	case deaths >= 30:
		raise(GradeEspeciallyMajor)
	case deaths >= 10:
		raise(GradeMajor)
	case deaths >= 3:
		raise(GradeLarger)
	}
	switch {
	case seriousInjuries >= 100:
		raise(GradeEspeciallyMajor)
	case seriousInjuries >= 50:
		raise(GradeMajor)
	case seriousInjuries >= 10:
		raise(GradeLarger)
	}
	switch {
	case directLossCNY >= 100*million:
		raise(GradeEspeciallyMajor)
	case directLossCNY >= 50*million:
		raise(GradeMajor)
	case directLossCNY >= 10*million:
		raise(GradeLarger)
	}
	return grade
}

func accidentRank(g AccidentGrade) int {
	switch g {
	case GradeLarger:
		return 1
	case GradeMajor:
		return 2
	case GradeEspeciallyMajor:
		return 3
	}
	return 0
}

// RequiredLevel is the level an accident report must reach: general
// accidents the city, larger ones the province, major and especially major
// ones the nation.
func (g AccidentGrade) RequiredLevel() Level {
	switch g {
	case GradeLarger:
		return LevelProvince
	case GradeMajor, GradeEspeciallyMajor:
		return LevelNation
	}
	return LevelCity
}

// Accident categories: road traffic and fire accidents may change their
// casualty figures for 7 days, others for 30 (条例 art. 13).
const (
	AccidentProduction  = "production"
	AccidentRoadTraffic = "road_traffic"
	AccidentFire        = "fire"
)

// AccidentCategories lists the categories.
var AccidentCategories = []string{AccidentProduction, AccidentRoadTraffic, AccidentFire}

// AmendWindow is how long after the accident its figures may be amended.
func AmendWindow(category string) time.Duration {
	if category == AccidentRoadTraffic || category == AccidentFire {
		return 7 * 24 * time.Hour
	}
	return 30 * 24 * time.Hour
}

// Reporting limits: the county hears of an accident within an hour of it,
// and each level passes it to its supervisor within two hours.
const (
	ReportWithin  = time.Hour
	ForwardWithin = 2 * time.Hour
)

// AccidentStep is one link of the reporting chain: the report to the
// accident's tenant (From empty) or a forward from one tenant to its
// supervisor. At is when it happened; Late marks 迟报.
type AccidentStep struct {
	Seq       int        `json:"seq"`
	From      string     `json:"from,omitempty"`
	To        string     `json:"to"`
	ToLevel   Level      `json:"to_level"`
	DueAt     time.Time  `json:"due_at"`
	At        *time.Time `json:"at,omitempty"`
	By        string     `json:"by,omitempty"`
	Late      bool       `json:"late" doc:"迟报: past its time limit"`
	Escalated bool       `json:"escalated" doc:"The supervisor was alerted to the late step"`
}

// AccidentFigures are the casualty and loss figures of one report.
type AccidentFigures struct {
	Deaths          int   `json:"deaths"`
	SeriousInjuries int   `json:"serious_injuries"`
	DirectLossCNY   int64 `json:"direct_loss_cny"`
}

// AccidentAmendment is a supplementary report (补报).
type AccidentAmendment struct {
	At      time.Time       `json:"at"`
	By      string          `json:"by"`
	Figures AccidentFigures `json:"figures"`
	Grade   AccidentGrade   `json:"grade"`
	Note    string          `json:"note,omitempty"`
}

// Accident is an accident report with its reporting chain.
type Accident struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant"`
	TenantPath string    `json:"-"`
	OccurredAt time.Time `json:"occurred_at"`
	ReportedAt time.Time `json:"reported_at"`
	ReportedBy string    `json:"reported_by"`
	Category   string    `json:"category"`
	// Sector is the accident's sector (行业领域); a housing or municipal
	// construction accident reaches the province's construction line
	// whatever its grade.
	Sector string `json:"sector,omitempty"`
	// Concealed (瞒报): first entered by a level above the tenant where it
	// happened, which should have reported it.
	Concealed bool `json:"concealed" doc:"瞒报: first entered by a higher level, not by the tenant where it happened"`
	Omitted   bool `json:"omitted" doc:"漏报: entered by its own tenant more than 24 hours after it happened"`
	// Investigation is the investigation report the grade calls for (条例
	// art. 19, 29), tracked as a follow-up of the investigating level.
	Investigation *AccidentInvestigation `json:"investigation,omitempty"`
	Line          Line                   `json:"line,omitempty" doc:"Department line (条线) concerned"`
	Enterprise    string                 `json:"enterprise,omitempty" doc:"The enterprise concerned (统一社会信用代码)"`
	Project       string                 `json:"project,omitempty" doc:"The project concerned (项目编号)"`
	Place         string                 `json:"place"`
	Summary       string                 `json:"summary"`
	AccidentFigures
	Grade         AccidentGrade       `json:"grade"`
	RequiredLevel Level               `json:"required_level"`
	Route         []RouteHop          `json:"route" doc:"The supervision chain the report travels, from the accident's tenant up"`
	Holder        string              `json:"holder" doc:"The highest tenant the report has reached"`
	Complete      bool                `json:"complete" doc:"The report has reached the level its grade requires"`
	Late          bool                `json:"late" doc:"Some step was late (迟报)"`
	Steps         []AccidentStep      `json:"steps"`
	Amendments    []AccidentAmendment `json:"amendments,omitempty"`
	AmendUntil    time.Time           `json:"amend_until" doc:"Figures may be amended until then"`
	Version       int64               `json:"version"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

// RouteHop is a tenant on an accident's reporting route.
type RouteHop struct {
	Tenant string `json:"tenant"`
	Name   string `json:"name,omitempty"`
	Level  Level  `json:"level"`
}

// Label is the hop as people read it: name and code (河南省 41).
func (h RouteHop) Label() string {
	if h.Name == "" {
		return h.Tenant
	}
	return h.Name + " " + h.Tenant
}

// AccidentRoute is the supervision chain from tenant up to the root: the
// route a report travels. A directly supervised county's next hop is the
// province.
func AccidentRoute(dir *Directory, tenant string) []RouteHop {
	var out []RouteHop
	for code := tenant; code != ""; {
		t := dir.Get(code)
		if t == nil {
			break
		}
		out = append(out, RouteHop{Tenant: t.Code, Name: t.Name, Level: t.Level})
		code = t.Supervisor
	}
	return out
}

// NextHop returns where the holder forwards to, or nil when the report has
// reached the required level (or the top of its route).
func (a *Accident) NextHop() *RouteHop {
	for i, h := range a.Route {
		if h.Tenant == a.Holder {
			if h.Level.Rank() <= a.RequiredLevel.Rank() || i+1 >= len(a.Route) {
				return nil
			}
			return &a.Route[i+1]
		}
	}
	return nil
}

// Extend adds the next pending step when the chain is short of the required
// level, due ForwardWithin after from (the last step's time, or the
// amendment that raised the grade: a fresh clock), and sets Complete. It
// reports whether a step was added.
func (a *Accident) Extend(from time.Time) bool {
	if a.Pending() != nil {
		if a.NextHop() == nil { // an amendment lowered the grade: the pending forward is moot
			a.Steps = a.Steps[:len(a.Steps)-1]
			a.Complete = true
		}
		return false
	}
	next := a.NextHop()
	if next == nil {
		a.Complete = true
		return false
	}
	a.Complete = false
	a.Steps = append(a.Steps, AccidentStep{Seq: len(a.Steps), From: a.Holder, To: next.Tenant, ToLevel: next.Level, DueAt: from.Add(ForwardWithin)})
	return true
}

// Pending returns the step awaiting its forward, or nil.
func (a *Accident) Pending() *AccidentStep {
	if n := len(a.Steps); n > 0 && a.Steps[n-1].At == nil {
		return &a.Steps[n-1]
	}
	return nil
}

// NewAccident builds an accident's first version: graded, routed, with the
// report to its own tenant as step 0 (late past ReportWithin of the
// accident) and the first forward pending.
func NewAccident(dir *Directory, id, tenant, category, place, summary, by string, occurred, reported time.Time, f AccidentFigures) *Accident {
	t := dir.Get(tenant)
	g := GradeAccident(f.Deaths, f.SeriousInjuries, f.DirectLossCNY)
	a := &Accident{ID: id, Tenant: tenant, OccurredAt: occurred, ReportedAt: reported, ReportedBy: by, Category: category, Place: place,
		Summary: summary, AccidentFigures: f, Grade: g, RequiredLevel: g.RequiredLevel(), Route: AccidentRoute(dir, tenant), Holder: tenant,
		AmendUntil: occurred.Add(AmendWindow(category)), Version: 1, UpdatedAt: reported}
	at := reported
	step := AccidentStep{Seq: 0, To: tenant, ToLevel: t.Level, DueAt: occurred.Add(ReportWithin), At: &at, By: by}
	step.Late = reported.After(step.DueAt)
	a.Late = step.Late
	a.Steps = []AccidentStep{step}
	a.Extend(reported)
	return a
}

// Accident sectors (行业领域).
var AccidentSectors = []Choice{
	{"housing_municipal", Text{"房屋市政工程", "housing and municipal construction"}},
	{"industrial_trade", Text{"工矿商贸", "industry, mining and trade"}},
	{"road_traffic", Text{"道路交通", "road traffic"}},
	{"water_traffic", Text{"水上交通", "water traffic"}},
	{"railway", Text{"铁路交通", "railway"}},
	{"aviation", Text{"民航飞行", "civil aviation"}},
	{"fire", Text{"火灾", "fire"}},
	{"special_equipment", Text{"特种设备", "special equipment"}},
	{"agricultural_machinery", Text{"农业机械", "agricultural machinery"}},
	{"fishing_vessel", Text{"渔业船舶", "fishing vessels"}},
	{"other", Text{"其他", "other"}},
}

// requiredLevel is the level a grade requires, at least the province for a
// housing or municipal construction accident (the provincial housing
// department must hear of every one).
func (a *Accident) requiredLevel(g AccidentGrade) Level {
	l := g.RequiredLevel()
	if a.Sector == "housing_municipal" && l.Rank() > LevelProvince.Rank() {
		l = LevelProvince
	}
	return l
}

// SetSector records the sector and raises the level the report must reach
// when the sector requires it.
func (a *Accident) SetSector(sector string, at time.Time) {
	a.Sector = sector
	if l := a.requiredLevel(a.Grade); l != a.RequiredLevel {
		a.RequiredLevel = l
		a.Extend(at)
	}
}

// Amend records a supplementary report and regrades: when the grade now
// requires a higher level than the chain has reached, the chain extends
// with a fresh clock from at. It returns whether the grade changed.
func (a *Accident) Amend(at time.Time, by, note string, f AccidentFigures) bool {
	g := GradeAccident(f.Deaths, f.SeriousInjuries, f.DirectLossCNY)
	changed := g != a.Grade
	a.AccidentFigures, a.Grade, a.RequiredLevel = f, g, a.requiredLevel(g)
	a.Amendments = append(a.Amendments, AccidentAmendment{At: at, By: by, Figures: f, Grade: g, Note: note})
	a.Extend(at)
	return changed
}

// AccidentProjection is one versioned write of an accident with the step
// that produced it.
type AccidentProjection struct {
	Accident  Accident
	Action    string
	Actor     string
	Details   map[string]any
	RequestID string
}

// AccidentFilter selects accidents.
type AccidentFilter struct {
	Within   string
	Grade    string
	Late     *bool
	Complete *bool
	From, To *time.Time // occurred in [From, To)
	After    string     // cursor: id
	Limit    int
}

// AccidentTotals are the totals of accidents in a subtree and period.
type AccidentTotals struct {
	Count           int            `json:"count"`
	Deaths          int            `json:"deaths"`
	SeriousInjuries int            `json:"serious_injuries"`
	DirectLossCNY   int64          `json:"direct_loss_cny"`
	ByGrade         map[string]int `json:"by_grade"`
}

// OmittedAfter is how late an accident's own tenant may first enter it
// before it counts as omitted (漏报).
const OmittedAfter = 24 * time.Hour

// AccidentInvestigation is an accident's investigation report: due 60 days
// after the accident at the level its grade gives (一般: the county, 较大:
// the city, 重大: the province, 特别重大: the nation; 条例 art. 19), extendable
// once by at most 60 days (art. 29).
type AccidentInvestigation struct {
	FollowUp string    `json:"follow_up" doc:"The follow-up tracking the report"`
	Tenant   string    `json:"tenant" doc:"The investigating level"`
	Name     string    `json:"name,omitempty"`
	DueAt    time.Time `json:"due_at"`
}

// InvestigatingLevel is the level that investigates an accident of grade g.
func (g AccidentGrade) InvestigatingLevel() Level {
	switch g {
	case GradeLarger:
		return LevelCity
	case GradeMajor:
		return LevelProvince
	case GradeEspeciallyMajor:
		return LevelNation
	}
	return LevelCounty
}

// Investigator is the tenant on the accident's route that investigates it:
// the nearest at or above the level its grade gives.
func (a *Accident) Investigator() RouteHop {
	want := a.Grade.InvestigatingLevel().Rank()
	for _, h := range a.Route {
		if h.Level.Rank() <= want {
			return h
		}
	}
	return a.Route[len(a.Route)-1]
}
