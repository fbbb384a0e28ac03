package duban

import "sort"

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
