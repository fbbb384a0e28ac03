package duban_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/duban/duban"
)

func genericForm(t testing.TB) duban.FormSchema {
	return duban.TemplateByID("generic").Tasks[duban.LevelCounty].Form
}

func TestFormValidate(t *testing.T) {
	t.Parallel()
	form := genericForm(t)
	ok := map[string]any{"completed": 3.0, "hazards_found": 1.0, "hazards_rectified": 0.0, "status": "done", "summary": "完成",
		"funds_cny": 12.5, "completed_on": "2026-11-01", "checks": map[string]any{"deployed": true, "inspected": true, "rectified": false},
		"attachments": []any{"att_abcd1234"}}
	if errs := form.Validate(ok, false); errs != nil {
		t.Fatalf("valid report refused: %+v", errs)
	}
	bad := map[string]any{"completed": 1.5, "hazards_found": -1.0, "status": "maybe", "summary": "  ", "funds_cny": "lots",
		"completed_on": "2026-13-01", "checks": map[string]any{"deployed": "yes", "other": true}, "attachments": []any{"../etc/passwd"}, "extra": 1.0}
	errs := form.Validate(bad, false)
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Location] = true
	}
	for _, want := range []string{"body.report.completed", "body.report.hazards_found", "body.report.hazards_rectified", "body.report.status",
		"body.report.summary", "body.report.funds_cny", "body.report.completed_on", "body.report.checks.deployed", "body.report.checks.other",
		"body.report.checks.inspected", "body.report.attachments[0]", "body.report.extra"} {
		if !got[want] {
			t.Errorf("no error for %s; got %+v", want, errs)
		}
	}
	// a draft may be partial, but not wrong
	if errs := form.Validate(map[string]any{"completed": 2.0}, true); errs != nil {
		t.Errorf("partial draft refused: %+v", errs)
	}
	if errs := form.Validate(map[string]any{"completed": "x"}, true); errs == nil {
		t.Error("a wrong type in a draft must be refused")
	}
	if errs := form.Validate(map[string]any{"summary": strings.Repeat("长", 5001)}, true); errs == nil {
		t.Error("over-long text must be refused")
	}
}

// FuzzFormValidate: any JSON object validates or names each bad field;
// whatever passes has every required field with a value of the right type.
func FuzzFormValidate(f *testing.F) {
	f.Add([]byte(`{"completed":3,"hazards_found":1,"hazards_rectified":0,"status":"done","summary":"x"}`))
	f.Add([]byte(`{"completed":-1,"checks":{"deployed":"y"},"attachments":["att_1"]}`))
	f.Add([]byte(`{"completed":1e308,"completed_on":"2026-02-30"}`))
	form := genericForm(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var v map[string]any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		errs := form.Validate(v, false)
		for _, e := range errs {
			if !strings.HasPrefix(e.Location, "body.report.") {
				t.Fatalf("error without a field: %+v", e)
			}
		}
		if errs != nil {
			return
		}
		for _, fd := range form.Fields {
			x, ok := v[fd.Name]
			if fd.Required && (!ok || x == nil) {
				t.Fatalf("required %s missing but valid", fd.Name)
			}
			if n, isNum := x.(float64); isNum && fd.Min != nil && n < *fd.Min {
				t.Fatalf("%s below min", fd.Name)
			}
		}
	})
}

// Every template's sample report is valid, and the AtMost rule catches a
// rectified count above the found count.
func TestSampleReportsAndAtMost(t *testing.T) {
	for _, tpl := range duban.Templates() {
		for lv, task := range tpl.Tasks {
			for _, seed := range []int{0, 410122, 419001, 96} {
				if errs := task.Form.Validate(task.Form.SampleReport(seed), false); len(errs) > 0 {
					t.Fatalf("%s/%s seed %d: %v", tpl.ID, lv, seed, errs)
				}
			}
		}
	}
	form := duban.TemplateByID("house-survey").Tasks[duban.LevelCounty].Form
	r := form.SampleReport(1)
	r["hazards_rectified"] = r["hazards_found"].(float64) + 1
	errs := form.Validate(r, false)
	if len(errs) != 1 || errs[0].Location != "body.report.hazards_rectified" {
		t.Fatalf("want one error on hazards_rectified, got %v", errs)
	}
}
