package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"github.com/xuri/excelize/v2"
	"maps"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/stretchr/testify/require"
)

// The relations of a caller to the target tenant T = 4101 (Zhengzhou), in
// the order of each expectation row.
var relations = []struct{ name, tenant string }{
	{"own", "4101"},            // the caller is at T
	{"supervised child", "41"}, // T is the caller's supervised child
	{"supervised grandchild", "000000"},
	{"sibling", "4102"},
	{"supervisor", "410122"}, // T supervises the caller
	{"other province", "4201"},
}

// The line relations (条线): callers at T holding a role in one department
// line only, where T's objects are the construction line's work.
var lineRelations = []struct{ name, line string }{
	{"same line", "construction"},
	{"other line", "market"},
	{"all-lines office", "safety_office"}, // 安委办 reaches every line
}

// otherLine is the outcome for the other line where it differs from the
// caller at T holding every line ("own"): line-scoped objects are 404 (or
// 403 where the object is seen but the act is the line's); "A-hidden" is
// allowed but must reveal none of T's objects. Same line and all-lines
// office always get the "own" outcome.
var otherLine = map[string]string{
	"grant-role": "403", "revoke-role": "403",
	"list-campaigns": "A-hidden", "get-campaign": "404", "get-campaign-progress": "404", "set-child-deadline": "404", "cancel-campaign": "404",
	"list-assignments": "A-hidden", "get-assignment": "404", "save-assignment-draft": "404", "submit-assignment": "404",
	"review-assignment": "404", "sign-off-assignment": "404", "extend-deadline": "404",
	"list-notifications": "A-hidden", "mark-notification-read": "404",
	"list-hazards": "A-hidden", "get-hazard": "404", "rectify-hazard": "404", "verify-hazard": "404",
	"list-accidents": "A-hidden", "get-accident": "404", "forward-accident": "404", "amend-accident": "404",
	"list-list-items": "404", "upsert-list-item": "404", "generate-circular": "404", "list-circulars": "404", "get-circular": "404",
	"create-enterprise": "403", "update-enterprise": "404", "get-enterprise": "404", "list-enterprises": "A-hidden", "set-dual-prevention": "404",
	"create-project": "403", "update-project": "404", "get-project": "404", "list-projects": "A-hidden",
	"create-person": "403", "update-person": "404", "get-person": "404", "list-personnel": "A-hidden", "get-person-personal-data": "404",
	"create-dangerous-work": "404", "get-dangerous-work": "404", "list-dangerous-works": "A-hidden", "pass-dangerous-work-gate": "404",
	"record-summons-minutes": "404", "list-summonses": "A-hidden", "get-summons": "404",
	"list-follow-ups": "A-hidden", "get-follow-up": "404", "complete-follow-up": "404", "extend-follow-up": "404",
	"create-assessment": "404", "get-assessment": "404", "record-assessment-action": "404",
}

// relSerial numbers a relation, for records each relation creates anew.
func relSerial(rel string) int {
	for i, r := range relations {
		if r.name == rel {
			return i + 1
		}
	}
	for i, r := range lineRelations {
		if r.name == rel {
			return 100 + i
		}
	}
	return 999
}

// isoFixture holds the objects every case targets, all at T.
type isoFixture struct {
	cityCampaign string // scope 4101, county targets
	provCampaign string // scope 41, Zhengzhou's own city assignment
	notification int64  // in 4101's inbox
	hazard       string // reported at 4101
	rectCampaign string // rectification-3y, scope 41, Zhengzhou a target
	circular     string // issued by 4101 on cityCampaign
	accident     string // reported at 4101
	attachment   string // uploaded for 4101
	enterprise   string // registered at 4101 (construction)
	project      string // registered at 4101
	person       string // registered at 4101
	personID     string // the person's ID number
	work         string // a dangerous work of project
	summons      string // 4101 summoned by 41
	followUp     string // the investigation report of accident, owed by 4101
	assessment   string // 4101's assessment of its county's letter
	letters      string // 4101's responsibility-letter campaign
	bindings     map[string]int64
}

// isoCase: which role calls, the request, and per relation "A" (allowed:
// neither 401, 403 nor 404), "403" or "404". Unauthenticated callers always get 401.
type isoCase struct {
	role   string
	req    func(f *isoFixture, rel string) (method, path string, body any)
	expect [6]string
}

func get(path string) func(*isoFixture, string) (string, string, any) {
	return func(*isoFixture, string) (string, string, any) { return "GET", path, nil }
}

var (
	all   = [6]string{"A", "A", "A", "A", "A", "A"}
	down  = [6]string{"A", "A", "A", "403", "403", "403"}
	downH = [6]string{"A", "A", "A", "404", "404", "404"}
)

// isoTable is THE table: every operation of the OpenAPI document must be here.
var isoTable = map[string]isoCase{
	"list-tenants": {"viewer", get("/v1/tenants?parent=4101"), all},
	"schedule-summons": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/summonses", map[string]any{"tenant": "410122", "convener": "4101", "reason": "隐患逾期", "place": "会议室",
			"meeting_at": time.Now().AddDate(0, 0, 2).Format(time.RFC3339), "persons": []string{"张三（局长）"}}
	}, down},
	"record-summons-minutes": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/summonses/" + f.summons + "/minutes", map[string]any{"minutes": "纪要", "commitments": []any{}}
	}, [6]string{"403", "A", "A", "404", "404", "404"}},
	"list-summonses": {"viewer", get("/v1/summonses?tenant=4101"), down},
	"get-summons": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/summonses/" + f.summons, nil
	}, downH},
	"list-follow-ups": {"viewer", get("/v1/follow-ups?tenant=4101"), down},
	"get-follow-up": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/follow-ups/" + f.followUp, nil
	}, downH},
	"complete-follow-up": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/follow-ups/" + f.followUp + "/complete", map[string]any{"result": "调查报告已提交"}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"extend-follow-up": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/follow-ups/" + f.followUp + "/extend", map[string]any{"due_at": time.Now().AddDate(0, 0, 70).Format("2006-01-02"), "reason": "补充鉴定"}
	}, downH},
	"create-assessment": {"planner", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/assessments", map[string]any{"campaign": f.letters, "tenant": "4101", "year": time.Now().Year()}
	}, [6]string{"A", "A", "A", "404", "403", "404"}},
	"get-assessment": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/assessments/" + f.assessment, nil
	}, [6]string{"A", "A", "A", "404", "A", "404"}},
	"list-assessments": {"viewer", get("/v1/assessments"), all},
	"record-assessment-action": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/assessments/" + f.assessment + "/actions", map[string]any{"tenant": "410122", "kind": "accountability", "description": "约谈主要负责人", "version": 1}
	}, [6]string{"A", "A", "A", "404", "403", "404"}},
	"get-tenant": {"viewer", get("/v1/tenants/4101"), all},
	"create-user": {"admin", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/users", map[string]any{"login": "new-" + slug(rel), "name": "x", "tenant": "4101"}
	}, down},
	"list-users": {"admin", get("/v1/users?tenant=4101"), down},
	"grant-role": {"admin", func(f *isoFixture, rel string) (string, string, any) {
		if lineRelation(rel) { // a line's admin grants in its line
			return "POST", "/v1/role-bindings", map[string]any{"user": "target-user", "role": "viewer", "tenant": "4101", "line": "construction"}
		}
		return "POST", "/v1/role-bindings", map[string]any{"user": "target-user", "role": "viewer", "tenant": "4101"}
	}, down},
	"revoke-role": {"admin", func(f *isoFixture, rel string) (string, string, any) {
		return "DELETE", fmt.Sprintf("/v1/role-bindings/%d", f.bindings[rel]), nil
	}, downH},
	"list-role-bindings": {"admin", get("/v1/role-bindings?tenant=4101"), down},
	"list-audit-events":  {"admin", get("/v1/audit/events?tenant=4101"), down},
	"verify-audit-chain": {"admin", get("/v1/audit/verify?tenant=4101"), down},
	"create-webhook": {"admin", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/webhooks", map[string]any{"tenant": "4101", "url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef0123"}
	}, down},
	"list-webhooks":           {"admin", get("/v1/webhooks?tenant=4101"), down},
	"list-campaign-templates": {"viewer", get("/v1/campaign-templates"), all},
	"launch-campaign": {"planner", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "x", "scope": "4101", "levels": []string{"county"}, "targets": []string{"410122"}}
	}, down},
	"list-campaigns": {"planner", get("/v1/campaigns"), all},
	"get-campaign": {"planner", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/campaigns/" + f.cityCampaign, nil
	}, [6]string{"A", "A", "A", "404", "A", "404"}},
	"get-campaign-progress": {"planner", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/campaigns/" + f.cityCampaign + "/progress", nil
	}, [6]string{"A", "A", "A", "404", "A", "404"}},
	"set-child-deadline": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/campaigns/" + f.cityCampaign + "/tenants/4101/child-deadline", map[string]any{"due_at": time.Now().AddDate(0, 0, 20).Format("2006-01-02")}
	}, [6]string{"A", "A", "A", "404", "403", "404"}},
	"cancel-campaign": {"planner", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/campaigns/" + f.cityCampaign + "/cancel", map[string]any{"reason": "x"}
	}, [6]string{"A", "A", "A", "404", "403", "404"}},
	"list-assignments": {"viewer", get("/v1/assignments?tenant=4101"), down},
	"get-assignment": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/assignments/" + f.provCampaign + ".4101", nil
	}, downH},
	"save-assignment-draft": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "PUT", "/v1/assignments/" + f.provCampaign + ".4101/draft", map[string]any{"report": map[string]any{"completed": 1}}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"submit-assignment": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/assignments/" + f.provCampaign + ".4101/submit", map[string]any{"report": report}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"review-assignment": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/assignments/" + f.provCampaign + ".4101/review", map[string]any{"decision": "approve"}
	}, [6]string{"403", "A", "A", "404", "404", "404"}},
	"sign-off-assignment": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/assignments/" + f.provCampaign + ".4101/sign-off", map[string]any{}
	}, [6]string{"403", "A", "A", "404", "404", "404"}},
	"extend-deadline": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/assignments/" + f.provCampaign + ".4101/extend", map[string]any{"due_at": time.Now().AddDate(0, 3, 0).Format("2006-01-02"), "reason": "x"}
	}, [6]string{"403", "A", "A", "404", "404", "404"}},
	"list-notifications": {"viewer", get("/v1/notifications"), all},
	"mark-notification-read": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", fmt.Sprintf("/v1/notifications/%d/read", f.notification), nil
	}, [6]string{"A", "404", "404", "404", "404", "404"}},
	"list-calendar-days": {"viewer", get("/v1/calendar/days?from=2026-10-01&to=2026-10-07"), all},
	"report-hazard": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/hazards", hazardBody("4101")
	}, [6]string{"A", "403", "403", "403", "403", "403"}},
	"list-hazards": {"viewer", get("/v1/hazards?tenant=4101"), down},
	"get-hazard": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/hazards/" + f.hazard, nil
	}, downH},
	"rectify-hazard": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/hazards/" + f.hazard + "/rectify", map[string]any{"rectification": "已整改"}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"verify-hazard": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/hazards/" + f.hazard + "/verify", map[string]any{"passed": false, "new_deadline": time.Now().AddDate(0, 1, 0).Format("2006-01-02")}
	}, [6]string{"A", "A", "A", "404", "404", "404"}},
	"report-accident": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/accidents", accidentBody("4101", 0)
	}, [6]string{"A", "403", "403", "403", "403", "403"}},
	"list-accidents": {"viewer", get("/v1/accidents?tenant=4101"), down},
	"get-accident": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/accidents/" + f.accident, nil
	}, downH},
	"forward-accident": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/accidents/" + f.accident + "/forward", map[string]any{}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"amend-accident": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/accidents/" + f.accident + "/amend", map[string]any{"deaths": 1, "serious_injuries": 0, "direct_loss_cny": 0}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"get-accident-stats": {"viewer", get("/v1/accident-stats?tenant=4101"), down},
	"list-list-items": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/campaigns/" + f.rectCampaign + "/list-items?tenant=4101", nil
	}, [6]string{"A", "A", "A", "403", "403", "404"}},
	"upsert-list-item": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "PUT", "/v1/campaigns/" + f.rectCampaign + "/list-items/4101/K-" + slug(rel), map[string]any{"list": "tasks", "title": "x", "owner": "x", "due_on": "2027-01-31", "status": "open"}
	}, [6]string{"A", "403", "403", "403", "403", "404"}},
	"generate-circular": {"planner", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/campaigns/" + f.cityCampaign + "/circulars", map[string]any{"tenant": "4101", "period_from": "2026-01-01", "period_to": "2026-06-30"}
	}, [6]string{"A", "A", "A", "404", "403", "404"}},
	"list-circulars": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/campaigns/" + f.cityCampaign + "/circulars", nil
	}, [6]string{"A", "A", "A", "404", "A", "404"}},
	"get-circular": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/circulars/" + f.circular, nil
	}, downH},
	"upload-attachment": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/attachments?tenant=4101", multipartFile{name: "现场-" + slug(rel) + ".png", content: pngBytes}
	}, [6]string{"A", "403", "403", "403", "403", "403"}},
	"get-attachment": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/attachments/" + f.attachment, nil
	}, downH},
	"download-attachment": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/attachments/" + f.attachment + "/content", nil
	}, downH},
	"create-enterprise": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/enterprises", map[string]any{"credit_code": creditCode("410100", 500+relSerial(rel)), "name": "企业" + slug(rel), "kind": "construction", "tenant": "4101"}
	}, [6]string{"A", "403", "403", "403", "403", "403"}},
	"update-enterprise": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "PUT", "/v1/enterprises/" + f.enterprise, map[string]any{"name": "郑州某建设集团" + slug(rel), "kind": "construction", "tenant": "4101", "version": 1}
	}, downH},
	"get-enterprise": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/enterprises/" + f.enterprise, nil
	}, downH},
	"list-enterprises": {"viewer", get("/v1/enterprises?tenant=4101"), down},
	"set-dual-prevention": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/registry/enterprises/" + f.enterprise + "/dual-prevention", map[string]any{"stage": "risk_graded", "version": 1}
	}, downH},
	"create-project": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/projects", map[string]any{"code": fmt.Sprintf("P-ISO-%d", relSerial(rel)), "name": "项目" + slug(rel), "tenant": "4101", "contractor": f.enterprise, "contract_amount_cny": 1000}
	}, [6]string{"A", "403", "403", "403", "403", "403"}},
	"update-project": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "PUT", "/v1/projects/" + f.project, map[string]any{"name": "项目" + slug(rel), "tenant": "4101", "contract_amount_cny": 2000, "version": 1}
	}, downH},
	"get-project":   {"viewer", func(f *isoFixture, rel string) (string, string, any) { return "GET", "/v1/projects/" + f.project, nil }, downH},
	"list-projects": {"viewer", get("/v1/projects?tenant=4101"), down},
	"create-person": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/personnel", map[string]any{"name": "人员", "id_number": idNumber("410101", "19800101", relSerial(rel)), "role": "safety_officer", "tenant": "4101"}
	}, [6]string{"A", "403", "403", "403", "403", "403"}},
	"update-person": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "PUT", "/v1/personnel/" + f.person, map[string]any{"name": "人员" + slug(rel), "id_number": f.personID, "role": "project_manager", "tenant": "4101", "version": 1}
	}, downH},
	"get-person":     {"viewer", func(f *isoFixture, rel string) (string, string, any) { return "GET", "/v1/personnel/" + f.person, nil }, downH},
	"list-personnel": {"viewer", get("/v1/personnel?tenant=4101"), down},
	"get-person-personal-data": {"reviewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/personnel/" + f.person + "/personal-data?reason=" + url.QueryEscape("核对证书"), nil
	}, downH},
	"create-dangerous-work": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/dangerous-works", map[string]any{"project": f.project, "code": fmt.Sprintf("W%d", relSerial(rel)), "category": "excavation",
			"description": "深基坑", "starts_on": time.Now().AddDate(0, 1, 0).Format("2006-01-02"), "ends_on": time.Now().AddDate(0, 3, 0).Format("2006-01-02")}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"get-dangerous-work": {"viewer", func(f *isoFixture, rel string) (string, string, any) {
		return "GET", "/v1/dangerous-works/" + f.work, nil
	}, downH},
	"list-dangerous-works": {"viewer", get("/v1/dangerous-works?tenant=4101"), down},
	"pass-dangerous-work-gate": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/dangerous-works/" + f.work + "/gates", map[string]any{"gate": "plan_review", "on": time.Now().In(duban.Shanghai).Format("2006-01-02"),
			"person": "张工", "attachment": f.attachment}
	}, [6]string{"A", "403", "403", "404", "404", "404"}},
	"get-registry-template":   {"viewer", get("/v1/registry/templates/projects"), all},
	"get-registry-vocabulary": {"viewer", get("/v1/registry/vocabulary"), all},
	"import-registry": {"staff", func(f *isoFixture, rel string) (string, string, any) {
		// rows are checked one by one: a caller who may register nowhere is 403, others hear of each row
		return "POST", "/v1/registry/import?kind=projects&preview=true", multipartFile{name: "项目.xlsx", content: isoSheet(fmt.Sprintf("P-IMP-%d", relSerial(rel)))}
	}, all},
	"export-registry":       {"viewer", get("/v1/registry/exports/enterprises?tenant=4101"), down},
	"get-registry-coverage": {"viewer", get("/v1/registry/coverage?tenant=4101"), down},
	"get-me":                {"viewer", get("/v1/me"), all},
	"get-auth-config":       {"", get("/v1/auth/config"), all},
	"preview-campaign": {"planner", func(f *isoFixture, rel string) (string, string, any) {
		return "POST", "/v1/campaigns/preview", map[string]any{"template": "generic", "title": "x", "scope": "4101", "levels": []string{"county"}}
	}, down},
	"set-calendar-day": {"admin", func(f *isoFixture, rel string) (string, string, any) {
		return "PUT", "/v1/calendar/days/2027-01-04", map[string]any{"workday": false, "note": "x"}
	}, [6]string{"403", "403", "A", "403", "403", "403"}},
}

// isoSheet is a one-row project import at T.
func isoSheet(code string) []byte {
	f := excelize.NewFile()
	for i, v := range []string{"项目编号", "项目名称", "所在地区代码", "单项合同额（元）"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		_ = f.SetCellStr("Sheet1", cell, v)
	}
	for i, v := range []string{code, "导入项目", "4101", "1000"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		_ = f.SetCellStr("Sheet1", cell, v)
	}
	var buf bytes.Buffer
	_ = f.Write(&buf)
	return buf.Bytes()
}

func slug(s string) string { return strings.ReplaceAll(s, " ", "-") }

func lineRelation(rel string) bool {
	for _, r := range lineRelations {
		if r.name == rel {
			return true
		}
	}
	return false
}

func mustPath(c isoCase, f *isoFixture) string { _, path, _ := c.req(f, "own"); return path }

// TestTenantIsolationEveryOperation walks the live OpenAPI document: every
// operation × every caller relation (and no, expired and foreign tokens)
// gets the outcome of isoTable; denied calls write nothing.
func TestTenantIsolationEveryOperation(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := context.Background()
	db := s.app.DB
	// personas: every role at every relation's tenant, plus a user to grant to
	for _, rel := range relations {
		for _, role := range duban.Roles {
			login := string(role) + "-" + rel.tenant
			require.NoError(t, db.CreateUser(ctx, duban.SystemScope, &duban.User{Login: login, Name: login, Tenant: rel.tenant}))
			require.NoError(t, db.GrantRole(ctx, duban.SystemScope, &duban.RoleBinding{User: login, Role: role, Tenant: rel.tenant}))
		}
	}
	for _, rel := range lineRelations {
		for _, role := range duban.Roles {
			login := string(role) + "-4101-" + rel.line
			require.NoError(t, db.CreateUser(ctx, duban.SystemScope, &duban.User{Login: login, Name: login, Tenant: "4101"}))
			require.NoError(t, db.GrantRole(ctx, duban.SystemScope, &duban.RoleBinding{User: login, Role: role, Tenant: "4101", Line: duban.Line(rel.line)}))
		}
	}
	require.NoError(t, db.CreateUser(ctx, duban.SystemScope, &duban.User{Login: "target-user", Name: "t", Tenant: "4101"}))
	f := &isoFixture{bindings: map[string]int64{}}
	for _, rel := range relations {
		b := &duban.RoleBinding{User: "target-user", Role: duban.RoleViewer, Tenant: "4101"}
		b.Role = []duban.Role{duban.RoleViewer, duban.RoleStaff, duban.RoleReviewer, duban.RolePlanner, duban.RoleAdmin, duban.RoleViewer}[len(f.bindings)]
		if len(f.bindings) == 5 { // one more binding at 4101 of a role not yet used by target-user
			require.NoError(t, db.CreateUser(ctx, duban.SystemScope, &duban.User{Login: "target-user2", Name: "t", Tenant: "4101"}))
			b.User = "target-user2"
		}
		require.NoError(t, db.GrantRole(ctx, duban.SystemScope, b))
		f.bindings[rel.name] = b.ID
	}
	for i, rel := range lineRelations { // a construction binding of target-user for each to revoke
		b := &duban.RoleBinding{User: "target-user", Role: []duban.Role{duban.RoleViewer, duban.RoleStaff, duban.RoleReviewer}[i], Tenant: "4101", Line: duban.LineConstruction}
		require.NoError(t, db.GrantRole(ctx, duban.SystemScope, b))
		f.bindings[rel.name] = b.ID
	}
	require.NoError(t, s.app.Authz.Reload())

	// objects at T: a city campaign with a county target, a provincial
	// campaign giving Zhengzhou its own assignment, a notification in 4101's inbox
	r := s.call("planner-4101", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "市级", "scope": "4101", "levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.cityCampaign = r.Body["id"].(string)
	r = s.call("planner-41", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "省级", "scope": "41", "levels": []string{"city"}, "targets": []string{"4101"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.provCampaign = r.Body["id"].(string)
	r = s.call("planner-41", "POST", "/v1/campaigns", map[string]any{"template": "rectification-3y", "title": "三年行动", "scope": "41", "levels": []string{"city"}, "targets": []string{"4101"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.rectCampaign = r.Body["id"].(string)
	r = s.call("planner-4101", "POST", "/v1/campaigns/"+f.cityCampaign+"/circulars", map[string]any{"period_from": "2026-01-01", "period_to": "2026-06-30"})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.circular = r.Body["id"].(string)
	eventually(t, time.Minute, func() bool {
		return s.call("planner-41", "GET", "/v1/assignments/"+f.provCampaign+".4101", nil).Status == 200 &&
			s.call("planner-41", "GET", "/v1/assignments/"+f.rectCampaign+".4101", nil).Status == 200 &&
			s.call("staff-410122", "GET", "/v1/assignments/"+f.cityCampaign+".410122", nil).Status == 200
	}, "assignments")
	s.expect(200, "staff-410122", "POST", "/v1/assignments/"+f.cityCampaign+".410122/submit", map[string]any{"report": report})
	eventually(t, time.Minute, func() bool {
		n := s.call("viewer-4101", "GET", "/v1/notifications", nil)
		items, _ := n.Body["items"].([]any)
		if len(items) == 0 {
			return false
		}
		f.notification = int64(items[0].(map[string]any)["id"].(float64))
		return true
	}, "a notification in 4101's inbox")
	r = s.call("staff-4101", "POST", "/v1/hazards", hazardBody("4101"))
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.hazard = r.Body["id"].(string)
	ab := accidentBody("4101", 0)
	ab["line"] = "construction" // T's objects are all construction's
	r = s.call("staff-4101", "POST", "/v1/accidents", ab)
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.accident = r.Body["id"].(string)
	r = s.call("staff-4101", "POST", "/v1/attachments?tenant=4101", multipartFile{name: "现场.png", content: pngBytes})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.attachment = r.Body["id"].(string)
	f.enterprise = creditCode("410100", 42)
	r = s.call("reviewer-4101", "POST", "/v1/enterprises", map[string]any{"credit_code": f.enterprise, "name": "郑州某建设集团", "kind": "construction", "tenant": "4101"})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.project = "P-ISO-T"
	r = s.call("reviewer-4101", "POST", "/v1/projects", map[string]any{"code": f.project, "name": "郑州某项目", "tenant": "4101", "contractor": f.enterprise, "contract_amount_cny": 1000})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.personID = idNumber("410101", "19800101", 42)
	r = s.call("reviewer-4101", "POST", "/v1/personnel", map[string]any{"name": "人员", "id_number": f.personID, "role": "safety_officer", "tenant": "4101"})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.person = r.Body["id"].(string)
	r = s.call("reviewer-4101", "POST", "/v1/dangerous-works", map[string]any{"project": f.project, "code": "T", "category": "excavation", "description": "深基坑",
		"starts_on": time.Now().AddDate(0, 1, 0).Format("2006-01-02"), "ends_on": time.Now().AddDate(0, 3, 0).Format("2006-01-02")})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.work = r.Body["id"].(string)
	f.followUp = "i" + f.accident // its investigation report: a general accident at a city, investigated there
	eventually(t, time.Minute, func() bool { return s.call("viewer-4101", "GET", "/v1/follow-ups/"+f.followUp, nil).Status == 200 }, "the investigation follow-up")
	r = s.call("planner-41", "POST", "/v1/summonses", map[string]any{"tenant": "4101", "convener": "41", "reason": "进度滞后", "place": "省厅会议室",
		"meeting_at": time.Now().Add(3 * time.Second).Format(time.RFC3339), "persons": []string{"李四（市住建局局长）"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.summons = r.Body["id"].(string)
	r = s.call("planner-4101", "POST", "/v1/campaigns", map[string]any{"template": "responsibility-letter", "title": "责任书", "scope": "4101", "levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.letters = r.Body["id"].(string)
	eventually(t, time.Minute, func() bool {
		return s.call("staff-410122", "GET", "/v1/assignments/"+f.letters+".410122", nil).Status == 200
	}, "letter")
	s.expect(200, "staff-410122", "POST", "/v1/assignments/"+f.letters+".410122/submit", map[string]any{"report": letterReport})
	r = s.call("planner-4101", "POST", "/v1/assessments", map[string]any{"campaign": f.letters, "year": time.Now().Year()})
	require.Equal(t, 201, r.Status, string(r.Raw))
	f.assessment = r.Body["id"].(string)
	time.Sleep(3 * time.Second) // the summons' meeting has passed; background notification and webhook activities settle

	// the operations of the live document
	doc := s.call("", "GET", "/openapi.json", nil)
	require.Equal(t, 200, doc.Status)
	var spec struct {
		Paths map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Security    []map[string][]string `json:"security"`
			Parameters  []struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema struct {
					Type string `json:"type"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(doc.Raw, &spec))
	var ops []string
	secured := map[string]bool{}
	type param struct{ name, in, template string }
	params := map[string][]param{}
	for path, methods := range spec.Paths {
		for _, op := range methods {
			ops = append(ops, op.OperationID)
			secured[op.OperationID] = len(op.Security) > 0
			for _, p := range op.Parameters {
				if p.Schema.Type == "string" || p.Schema.Type == "" {
					params[op.OperationID] = append(params[op.OperationID], param{p.Name, p.In, path})
				}
			}
		}
	}
	sort.Strings(ops)
	for _, op := range ops {
		_, ok := isoTable[op]
		require.True(t, ok, "operation %s has no row in the isolation table: decide its expectations", op)
	}
	require.Len(t, ops, len(isoTable), "the table names operations the API no longer has")

	expired, err := s.signer.Sign("admin-4101", time.Now().Add(-3*time.Hour))
	require.NoError(t, err)
	foreign := foreignToken(t, "admin-4101")
	checked := 0
	// denied calls first, while nothing else is writing; then allowed ones
	for _, phase := range []string{"denied", "allowed"} {
		for _, op := range ops {
			c := isoTable[op]
			if c.role == "" { // public: what the login page needs before anyone logs in
				require.False(t, secured[op], "%s is public in the table", op)
				if phase == "allowed" {
					require.Equal(t, 200, s.call("", "GET", strings.TrimPrefix(mustPath(c, f), ""), nil).Status, op)
					checked++
				}
				continue
			}
			require.True(t, secured[op], "%s must require a token", op)
			if phase == "denied" {
				for _, tok := range []string{"", "Bearer " + expired, "Bearer " + foreign, "Bearer garbage"} {
					method, path, body := c.req(f, "own")
					before := s.writes()
					r := s.callAs(tok, method, path, body)
					require.Equal(t, 401, r.Status, "%s without a valid token: %s", op, r.Raw)
					require.Equal(t, before, s.writes(), "%s: a 401 wrote something", op)
					checked++
				}
			}
			// expect calls op as login (relation rel) and checks the outcome:
			// "A" allowed (also "A-hidden": revealing none of T's objects),
			// else that status, with nothing written but the denial's audit
			expect := func(login, rel, want string) {
				if (want == "A" || want == "A-hidden") != (phase == "allowed") {
					return
				}
				method, path, body := c.req(f, rel)
				before := s.writes()
				r := s.call(login, method, path, body)
				got := fmt.Sprint(r.Status)
				if r.Status != 401 && r.Status != 403 && r.Status != 404 {
					got = "A"
				}
				require.Equal(t, strings.TrimSuffix(want, "-hidden"), got, "%s as %s (%s): %s", op, login, rel, r.Raw)
				require.Less(t, r.Status, 500, "%s as %s: %s", op, login, r.Raw)
				switch want {
				case "A-hidden":
					for _, id := range []string{f.cityCampaign, f.provCampaign, f.rectCampaign, f.hazard, f.accident, f.circular, f.enterprise, f.project, f.person, f.work} {
						require.NotContains(t, string(r.Raw), id, "%s as %s (%s) reveals another line's work", op, login, rel)
					}
				case "A":
				default:
					after := s.writes()
					if want == "403" && method != "GET" { // a refused act is audited, nothing else written
						before["audit_events"]++
					}
					require.Equal(t, before, after, "%s as %s: a denied call wrote something", op, login)
				}
				checked++
			}
			for i, rel := range relations {
				expect(c.role+"-"+rel.tenant, rel.name, c.expect[i])
			}
			for _, rel := range lineRelations {
				want := c.expect[0]
				if o := otherLine[op]; o != "" && rel.name == "other line" {
					want = o
				}
				expect(c.role+"-4101-"+rel.line, rel.name, want)
			}
		}
	}
	// the bad-bytes column: every operation × every string parameter (path,
	// query, header) with NUL and with invalid UTF-8 is a 4xx, and writes
	// nothing — not even a denied-act audit event
	// the allowed calls above started background notifications: let them
	// land first, so that what is counted below is what a refused call wrote
	for prev, i := s.writes(), 0; i < 40; i++ {
		time.Sleep(500 * time.Millisecond)
		cur := s.writes()
		if maps.Equal(prev, cur) {
			break
		}
		prev = cur
	}
	badChecked := 0
	for _, op := range ops {
		c := isoTable[op]
		for _, prm := range params[op] {
			for _, bad := range []string{"%00", "a%00b", "%FF", "x%C3%28"} {
				method, path, body := c.req(f, "own")
				var headers []string
				switch prm.in {
				case "path":
					tpl := strings.Split(prm.template, "/")
					segs := strings.Split(strings.SplitN(path, "?", 2)[0], "/")
					for i, seg := range tpl {
						if seg == "{"+prm.name+"}" && i < len(segs) {
							segs[i] = bad
						}
					}
					rest := ""
					if j := strings.Index(path, "?"); j >= 0 {
						rest = path[j:]
					}
					path = strings.Join(segs, "/") + rest
				case "query":
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					path += sep + prm.name + "=" + bad
				case "header":
					if strings.Contains(bad, "%00") {
						continue // no HTTP client sends NUL in a header
					}
					raw, _ := url.PathUnescape(bad)
					headers = []string{prm.name, raw}
				}
				login := c.role + "-4101"
				before := s.writes()
				r := s.call(login, method, path, body, headers...)
				require.True(t, r.Status >= 400 && r.Status < 500, "%s with %s=%s: %d %s", op, prm.name, bad, r.Status, r.Raw)
				require.Equal(t, before, s.writes(), "%s with %s=%s wrote something", op, prm.name, bad)
				badChecked++
			}
		}
	}
	// a token whose subject is not a login is a bad token (401), not a query
	for _, sub := range []string{"a\x00b", "\xff\xfe", "Nation-Admin \u202e"} {
		tok, err := s.signer.Sign(sub, time.Now())
		require.NoError(t, err)
		require.Equal(t, 401, s.callAs("Bearer "+tok, "GET", "/v1/users", nil).Status, "%q", sub)
	}
	t.Logf("%d operations, %d calls checked, %d with bad bytes", len(ops), checked, badChecked)
}

// writes counts the rows of every table a call could write.
func (s *stack) writes() map[string]int {
	tables := []string{"users", "role_bindings", "audit_events", "campaigns", "assignments", "assignment_events", "notifications",
		"notification_reads", "webhooks", "summons", "calendar_days", "idempotency_keys", "hazards", "hazard_events", "accidents", "accident_events",
		"list_items", "list_item_events", "circulars", "attachments"}
	counts := make([]string, len(tables))
	for i, tbl := range tables {
		counts[i] = "(SELECT count(*) FROM " + tbl + ")"
	}
	vals := make([]int, len(tables))
	dst := make([]any, len(tables))
	for i := range vals {
		dst[i] = &vals[i]
	}
	require.NoError(s.t, s.admin().QueryRow(context.Background(), "SELECT "+strings.Join(counts, ", ")).Scan(dst...))
	out := make(map[string]int, len(tables))
	for i, tbl := range tables {
		out[tbl] = vals[i]
	}
	return out
}

// callAs sends a request with a raw Authorization header value.
func (s *stack) callAs(auth, method, path string, body any) resp {
	s.t.Helper()
	if auth == "" {
		return s.call("", method, path, body)
	}
	return s.call("", method, path, body, "Authorization", auth)
}

func foreignToken(t *testing.T, login string) string {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	tok, err := (&api.DevSigner{Key: key, Issuer: "test", Audience: "duban", TTL: time.Hour}).Sign(login, time.Now())
	require.NoError(t, err)
	return tok
}

func hazardBody(tenant string) map[string]any {
	return map[string]any{"tenant": tenant, "place": "某小区", "description": "消防通道堵塞", "grade": "general", "found_by": "covert",
		"responsible_unit": "某物业公司", "deadline": time.Now().AddDate(0, 0, 14).Format("2006-01-02")}
}

func accidentBody(tenant string, deaths int) map[string]any {
	return map[string]any{"tenant": tenant, "occurred_at": time.Now().Add(-20 * time.Minute).Format(time.RFC3339), "place": "某工地",
		"summary": "脚手架坍塌", "deaths": deaths, "serious_injuries": 0, "direct_loss_cny": 0}
}
