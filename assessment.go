package duban

import (
	"fmt"
	"time"
)

// A responsibility letter (目标管理责任书) states its targets in figures;
// the year-end assessment (考核) scores each unit that signed one against
// them from Duban's own records, one equal share per target, and fails it
// outright (一票否决) on a major or worse accident or a concealed one,
// whatever the score.

// LetterTargets are the figures of a signed letter; a nil target is not set.
type LetterTargets struct {
	MaxAccidents     *float64 `json:"max_accidents,omitempty" doc:"事故起数不超过"`
	MaxDeaths        *float64 `json:"max_deaths,omitempty" doc:"死亡人数不超过"`
	ReducePercent    *float64 `json:"reduce_percent,omitempty" doc:"事故起数比上年下降不少于（%）"`
	CoverageMin      *float64 `json:"coverage_min,omitempty" doc:"双重预防覆盖率不低于（%）"`
	OnTimeMin        *float64 `json:"on_time_min,omitempty" doc:"任务按时报送率不低于（%）"`
	HazardsOnTimeMin *float64 `json:"hazards_on_time_min,omitempty" doc:"隐患按期整改销号率不低于（%）"`
}

// LetterTargetsFrom reads the targets from a signed letter's report.
func LetterTargetsFrom(report map[string]any) LetterTargets {
	get := func(k string) *float64 {
		if v, ok := report[k].(float64); ok {
			return &v
		}
		return nil
	}
	return LetterTargets{MaxAccidents: get("max_accidents"), MaxDeaths: get("max_deaths"), ReducePercent: get("reduce_percent"),
		CoverageMin: get("coverage_min"), OnTimeMin: get("on_time_min"), HazardsOnTimeMin: get("hazards_on_time_min")}
}

// AssessmentFigures are what Duban's records say of one unit's subtree in
// the assessed year (and the accidents of the year before).
type AssessmentFigures struct {
	Accidents         int      `json:"accidents"`
	Deaths            int      `json:"deaths"`
	MajorAccidents    int      `json:"major_accidents" doc:"重大及以上事故"`
	Concealed         int      `json:"concealed" doc:"瞒报"`
	Omitted           int      `json:"omitted" doc:"漏报"`
	AccidentsLastYear int      `json:"accidents_last_year"`
	Coverage          *float64 `json:"coverage,omitempty" doc:"Dual-prevention coverage from the registry (core tier), 0–1; absent when nothing is in scope"`
	AssignmentsDue    int      `json:"assignments_due"`
	AssignmentsOnTime int      `json:"assignments_on_time"`
	HazardsDue        int      `json:"hazards_due"`
	HazardsOnTime     int      `json:"hazards_on_time"`
}

// TargetScore is one target's result with the evidence behind it.
type TargetScore struct {
	Target   string  `json:"target" doc:"max_accidents, max_deaths, reduce_percent, coverage_min, on_time_min, hazards_on_time_min"`
	Label    string  `json:"label"`
	Goal     float64 `json:"goal"`
	Actual   float64 `json:"actual"`
	Met      bool    `json:"met"`
	Points   float64 `json:"points"`
	Rule     string  `json:"rule" doc:"The counting rule"`
	Evidence string  `json:"evidence" doc:"The query over Duban's records the figure comes from"`
}

// Assessment results.
const (
	ResultExcellent = "excellent" // 优秀: ≥ 90 points
	ResultPass      = "pass"      // 合格: ≥ 60 points
	ResultFail      = "fail"      // 不合格
)

// AssessedUnit is one unit's assessment.
type AssessedUnit struct {
	Tenant     string            `json:"tenant"`
	Name       string            `json:"name"`
	Assignment string            `json:"assignment" doc:"Its signed letter"`
	Signatory  string            `json:"signatory,omitempty"`
	Targets    LetterTargets     `json:"targets"`
	Figures    AssessmentFigures `json:"figures"`
	Scores     []TargetScore     `json:"scores"`
	Score      float64           `json:"score" doc:"0–100, an equal share per target"`
	Vetoed     bool              `json:"vetoed" doc:"一票否决: failed whatever the score"`
	VetoReason string            `json:"veto_reason,omitempty"`
	Result     string            `json:"result" enum:"excellent,pass,fail"`
	ResultName string            `json:"result_name" doc:"优秀, 合格, 不合格"`
}

// AssessmentAction is a reward or an accountability measure recorded
// against an assessment (奖惩兑现, 失职问责).
type AssessmentAction struct {
	Tenant      string    `json:"tenant"`
	Kind        string    `json:"kind" enum:"reward,accountability"`
	Description string    `json:"description"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// Assessment is a year's assessment of the units under an assessor.
type Assessment struct {
	ID            string             `json:"id"`
	Campaign      string             `json:"campaign" doc:"The responsibility-letter campaign"`
	CampaignTitle string             `json:"campaign_title"`
	Tenant        string             `json:"tenant" doc:"The assessing tenant"`
	TenantName    string             `json:"tenant_name"`
	Lines         []Line             `json:"lines"`
	Year          int                `json:"year"`
	From          string             `json:"from"`
	To            string             `json:"to" doc:"Exclusive"`
	Units         []AssessedUnit     `json:"units"`
	Actions       []AssessmentAction `json:"actions"`
	CreatedBy     string             `json:"created_by"`
	CreatedAt     time.Time          `json:"created_at"`
	Version       int64              `json:"version"`
	UpdatedAt     time.Time          `json:"updated_at"`
}

// Assess scores a unit's figures against its targets.
func Assess(t LetterTargets, f AssessmentFigures, evidence func(target string) string) AssessedUnit {
	u := AssessedUnit{Targets: t, Figures: f, Scores: []TargetScore{}}
	add := func(target, label string, goal *float64, actual float64, met func(goal float64) bool, rule string) {
		if goal == nil {
			return
		}
		u.Scores = append(u.Scores, TargetScore{Target: target, Label: label, Goal: *goal, Actual: actual, Met: met(*goal), Rule: rule, Evidence: evidence(target)})
	}
	pct := func(n, d int) float64 {
		if d == 0 {
			return 100
		}
		return round1(100 * float64(n) / float64(d))
	}
	add("max_accidents", "事故起数", t.MaxAccidents, float64(f.Accidents), func(g float64) bool { return float64(f.Accidents) <= g }, "本年度发生的生产安全事故起数 ≤ 目标")
	add("max_deaths", "死亡人数", t.MaxDeaths, float64(f.Deaths), func(g float64) bool { return float64(f.Deaths) <= g }, "本年度事故死亡人数 ≤ 目标")
	reduced := 0.0
	if f.AccidentsLastYear > 0 {
		reduced = round1(100 * float64(f.AccidentsLastYear-f.Accidents) / float64(f.AccidentsLastYear))
	} else if f.Accidents == 0 {
		reduced = 100 // none last year and none this year: nothing to reduce
	}
	add("reduce_percent", "事故起数同比下降（%）", t.ReducePercent, reduced, func(g float64) bool { return reduced >= g }, "（上年起数 − 本年起数）/ 上年起数 ≥ 目标；上年为零时本年也须为零")
	cov := 0.0
	if f.Coverage != nil {
		cov = round1(100 * *f.Coverage)
	}
	add("coverage_min", "双重预防覆盖率（%）", t.CoverageMin, cov, func(g float64) bool { return f.Coverage == nil || cov >= g }, "已验收 / 纳入范围（企业库、项目库核心层）≥ 目标；无纳入范围对象时视为达标")
	ot := pct(f.AssignmentsOnTime, f.AssignmentsDue)
	add("on_time_min", "任务按时报送率（%）", t.OnTimeMin, ot, func(g float64) bool { return ot >= g }, "本年度到期任务中首次报送不晚于期限的比例 ≥ 目标")
	ht := pct(f.HazardsOnTime, f.HazardsDue)
	add("hazards_on_time_min", "隐患按期整改销号率（%）", t.HazardsOnTimeMin, ht, func(g float64) bool { return ht >= g }, "整改期限在本年度的隐患中按期销号的比例 ≥ 目标")
	if n := len(u.Scores); n > 0 {
		share := 100 / float64(n)
		for i := range u.Scores {
			if u.Scores[i].Met {
				u.Scores[i].Points = round1(share)
				u.Score += share
			}
		}
		u.Score = round1(u.Score)
	}
	switch {
	case f.MajorAccidents > 0:
		u.Vetoed, u.VetoReason = true, fmt.Sprintf("发生重大及以上生产安全事故 %d 起", f.MajorAccidents)
	case f.Concealed > 0:
		u.Vetoed, u.VetoReason = true, fmt.Sprintf("瞒报生产安全事故 %d 起", f.Concealed)
	}
	switch {
	case u.Vetoed || u.Score < 60:
		u.Result, u.ResultName = ResultFail, "不合格"
	case u.Score >= 90:
		u.Result, u.ResultName = ResultExcellent, "优秀"
	default:
		u.Result, u.ResultName = ResultPass, "合格"
	}
	return u
}

func round1(v float64) float64 {
	if v < 0 {
		return -float64(int64(-v*10+0.5)) / 10
	}
	return float64(int64(v*10+0.5)) / 10
}
