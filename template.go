package duban

import (
	"fmt"
	"sort"
	"time"
)

// templates holds every campaign template, by id.
var templates = map[string]*Template{}

// RegisterTemplate adds a template; ids are unique.
func RegisterTemplate(t *Template) {
	if _, dup := templates[t.ID]; dup {
		panic("duplicate template " + t.ID)
	}
	templates[t.ID] = t
}

// TemplateByID returns the template, or nil.
func TemplateByID(id string) *Template { return templates[id] }

// Templates lists every template ordered by id.
func Templates() []*Template {
	out := make([]*Template, 0, len(templates))
	for _, t := range templates {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func init() {
	summaryForm := FormSchema{Fields: []FormField{
		{Name: "completed", Label: Text{"已完成事项数", "items completed"}, Type: FieldInteger, Required: true, Min: Float(0), Max: Float(1e7)},
		{Name: "hazards_found", Label: Text{"排查隐患数", "hazards found"}, Type: FieldInteger, Required: true, Min: Float(0), Max: Float(1e7)},
		{Name: "hazards_rectified", Label: Text{"已整改隐患数", "hazards rectified"}, Type: FieldInteger, Required: true, Min: Float(0), Max: Float(1e7)},
		{Name: "funds_cny", Label: Text{"投入资金（万元）", "funds spent (10k CNY)"}, Type: FieldDecimal, Min: Float(0), Max: Float(1e9)},
		{Name: "status", Label: Text{"总体进展", "overall status"}, Type: FieldChoice, Required: true, Choices: []string{"on_track", "delayed", "done"}},
		{Name: "completed_on", Label: Text{"完成日期", "completed on"}, Type: FieldDate},
		{Name: "checks", Label: Text{"工作要求落实", "requirements met"}, Type: FieldChecklist, Choices: []string{"deployed", "inspected", "rectified"}},
		{Name: "summary", Label: Text{"工作总结", "summary"}, Type: FieldText, Required: true, MaxLength: 5000},
		{Name: "attachments", Label: Text{"附件", "attachments"}, Type: FieldAttachment},
	}}
	RegisterTemplate(&Template{
		ID:          "generic",
		Name:        Text{"通用督办任务", "Generic supervised task"},
		Description: Text{"一个阶段、一张报表：逐级部署、报送、审核、签收。", "One phase, one form: cascade, report, review, sign off."},
		Phases:      []Phase{{ID: "main", Name: Text{"任务办理", "Carry out"}, DefaultDays: 30}},
		Levels:      []Level{LevelCity, LevelCounty},
		Tasks: map[Level]Task{
			LevelProvince: {Title: Text{"省级汇总报告", "Provincial summary"}, Instructions: Text{"汇总所辖市县情况并报送。", "Summarise your cities and counties and report."}, Form: summaryForm},
			LevelCity:     {Title: Text{"市级汇总报告", "City summary"}, Instructions: Text{"审核所辖县区报告，汇总后报送。", "Review your counties' reports, then submit the city summary."}, Form: summaryForm},
			LevelCounty:   {Title: Text{"县级工作报告", "County report"}, Instructions: Text{"按要求完成任务并报送。", "Carry out the task and report."}, Form: summaryForm},
		},
		Reminders:  []int{5, 1, 0},
		Escalation: DefaultEscalation,
	})
}

// Template declares a kind of campaign (专项整治): phases with default
// deadlines, the task per target level with its report form, reminders, the
// escalation ladder and the sign-off chain. Templates are defined in code.
type Template struct {
	ID          string `json:"id"`
	Name        Text   `json:"name"`
	Description Text   `json:"description"`
	// Line is the department line the template's campaigns belong to by
	// default; "" (generic) takes the planner's.
	Line       Line             `json:"line,omitempty"`
	Phases     []Phase          `json:"phases"`
	Levels     []Level          `json:"levels"`    // default target levels
	Tasks      map[Level]Task   `json:"tasks"`     // per target level
	Reminders  []int            `json:"reminders"` // working days before the due date; 0 = on the due date
	Escalation []EscalationStep `json:"escalation"`
	// Ratios are derived figures of the rolled-up totals (coverage).
	Ratios []Ratio `json:"ratios,omitempty"`
	// ReworkWorkdays is how many working days a returned report has for
	// its rework by default (0: DefaultReworkWorkdays).
	ReworkWorkdays int `json:"rework_workdays,omitempty"`
	// RegistryCoverage: the dual-prevention counts (enterprises and
	// projects in scope and verified) come from the registry, per tenant,
	// not from the report form.
	RegistryCoverage bool `json:"registry_coverage,omitempty"`
	// FocusAreas may be selected per campaign (重点领域).
	FocusAreas []Choice `json:"focus_areas,omitempty"`
	// Lists: every target tenant keeps the three lists (三个清单).
	Lists bool `json:"lists,omitempty"`
	// Cadence: a periodic update assignment for every target, each period.
	Cadence *Cadence `json:"cadence,omitempty"`
}

// DefaultReworkWorkdays is a returned report's rework time by default.
const DefaultReworkWorkdays = 5

// Cadence makes a periodic update (e.g. of the three lists): at the start
// of every month after launch, a period campaign assigns Tasks for the
// month just ended, due at the end of the DueWorkday-th working day.
type Cadence struct {
	Name       Text           `json:"name"`
	DueWorkday int            `json:"due_workday"`
	Tasks      map[Level]Task `json:"tasks"`
}

// PeriodTemplate is the template of a period campaign: the cadence's tasks
// with one phase and short reminders.
func (t *Template) PeriodTemplate() Template {
	p := *t
	p.Phases = []Phase{{ID: "period", Name: t.Cadence.Name}}
	p.Tasks = t.Cadence.Tasks
	p.Reminders = []int{1, 0}
	p.Cadence, p.Ratios = nil, nil
	return p
}

// Ratio is a derived figure: the sum of Numerator fields over the sum of
// Denominator fields of the rolled-up report totals.
type Ratio struct {
	Name        string   `json:"name"`
	Label       Text     `json:"label"`
	Numerator   []string `json:"numerator"`
	Denominator []string `json:"denominator"`
	// Target: the planner may set a target for it at launch (e.g. coverage ≥ 0.9).
	Target bool `json:"target,omitempty"`
}

// Choice is a selectable option with a bilingual label.
type Choice struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
}

// Phase is a stage of a campaign with a default deadline.
type Phase struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// DefaultDays is the deadline in calendar days from launch, used when
	// DefaultDate is empty.
	DefaultDays int `json:"default_days,omitempty"`
	// DefaultDate is an absolute deadline (MM-DD in the launch year, or the
	// next year when already past), e.g. "06-30" for the house survey.
	DefaultDate string `json:"default_date,omitempty"`
}

// Task is what a target tenant of one level must do and report.
type Task struct {
	Title        Text       `json:"title"`
	Instructions Text       `json:"instructions"`
	Form         FormSchema `json:"form"`
}

// Escalation kinds, the rungs of the ladder on overdue work.
const (
	EscalateReminder  = "reminder"  // 督办提醒: to the assignee and its supervisor
	EscalateSupervise = "supervise" // 督办: to the supervisor's reviewers and the planner
	EscalateListed    = "listed"    // 挂牌督办: on the campaign's public list of laggards
	EscalateSummons   = "summons"   // 约谈: responsible officials summoned, recorded
)

// EscalationStep is one rung: AfterWorkdays working days after the due date.
type EscalationStep struct {
	Level         int    `json:"level"`
	AfterWorkdays int    `json:"after_workdays"`
	Kind          string `json:"kind"`
	Name          Text   `json:"name"`
}

// DefaultEscalation is the ladder the seed describes.
var DefaultEscalation = []EscalationStep{
	{1, 0, EscalateReminder, Text{"督办提醒", "overdue reminder"}},
	{2, 3, EscalateSupervise, Text{"督办", "supervised handling"}},
	{3, 10, EscalateListed, Text{"挂牌督办", "listed supervision"}},
	{4, 20, EscalateSummons, Text{"约谈", "summons"}},
}

// ResolveDeadlines returns each phase's deadline: the override when given
// (the end of that Shanghai day), else the template default from launch.
// endOfDay turns a YYYY-MM-DD into an instant.
func (t *Template) ResolveDeadlines(launch time.Time, overrides map[string]time.Time, endOfDay func(y int, m time.Month, d int) time.Time) ([]PhaseDeadline, error) {
	for id := range overrides {
		if t.Phase(id) == nil {
			return nil, Errorf(EInvalid, "template %s has no phase %q", t.ID, id)
		}
	}
	out := make([]PhaseDeadline, 0, len(t.Phases))
	for _, p := range t.Phases {
		due, ok := overrides[p.ID]
		if !ok {
			if p.DefaultDate != "" {
				var m, d int
				if _, err := fmt.Sscanf(p.DefaultDate, "%d-%d", &m, &d); err != nil {
					return nil, fmt.Errorf("template %s phase %s: bad default date", t.ID, p.ID)
				}
				due = endOfDay(launch.Year(), time.Month(m), d)
				if !due.After(launch) {
					due = endOfDay(launch.Year()+1, time.Month(m), d)
				}
			} else {
				ld := launch.Add(time.Duration(p.DefaultDays) * 24 * time.Hour)
				due = endOfDay(ld.Year(), ld.Month(), ld.Day())
			}
		}
		out = append(out, PhaseDeadline{ID: p.ID, Due: due.UTC()})
	}
	return out, nil
}

// Phase returns the phase with id, or nil.
func (t *Template) Phase(id string) *Phase {
	for i := range t.Phases {
		if t.Phases[i].ID == id {
			return &t.Phases[i]
		}
	}
	return nil
}

// RatioValues computes the template's derived figures from totals; a ratio
// whose denominator is zero is left out.
func (t *Template) RatioValues(totals map[string]float64) map[string]float64 {
	var out map[string]float64
	for _, r := range t.Ratios {
		var num, den float64
		for _, f := range r.Numerator {
			num += totals[f]
		}
		for _, f := range r.Denominator {
			den += totals[f]
		}
		if den > 0 {
			if out == nil {
				out = map[string]float64{}
			}
			out[r.Name] = num / den
		}
	}
	return out
}

// FillCoverage puts the registry's dual-prevention counts into the totals
// of the rows of the same tenants.
func FillCoverage(rows []Progress, cov []Coverage) {
	by := map[string]Coverage{}
	for _, c := range cov {
		by[c.Tenant] = c
	}
	for i := range rows {
		c, ok := by[rows[i].Tenant]
		if !ok {
			continue
		}
		if rows[i].Totals == nil {
			rows[i].Totals = map[string]float64{}
		}
		rows[i].Totals["enterprises_in_scope"] = float64(c.EnterprisesInScope)
		rows[i].Totals["enterprises_verified"] = float64(c.EnterprisesVerified)
		rows[i].Totals["projects_in_scope"] = float64(c.ProjectsInScope)
		rows[i].Totals["projects_verified"] = float64(c.ProjectsVerified)
	}
}
