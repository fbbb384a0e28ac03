package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// creditCode makes a valid unified social credit code from a division
// code and a serial.
func creditCode(division string, n int) string {
	s := fmt.Sprintf("91%s%09dX", division, n)[:17]
	return s + string(duban.CreditCodeCheck(s))
}

// idNumber makes a valid resident ID number.
func idNumber(division, birth string, n int) string {
	s := fmt.Sprintf("%s%s%03d", division, birth, n)
	return s + string(duban.IDNumberCheck(s))
}

// sheet builds an XLSX of a header row and data rows.
func sheet(t *testing.T, rows ...[]string) []byte {
	f := excelize.NewFile()
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			require.NoError(t, f.SetCellStr("Sheet1", cell, v))
		}
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	return buf.Bytes()
}

// readSheet reads an XLSX's first sheet.
func readSheet(t *testing.T, b []byte) [][]string {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	require.NoError(t, err)
	rows, err := f.GetRows(f.GetSheetList()[0])
	require.NoError(t, err)
	return rows
}

// TestEnterpriseRegistry: create (the GB 32100 check character), update
// with the version read, stale and repeated updates, search by Chinese
// name, code prefix and subtree, and the department line wall.
func TestEnterpriseRegistry(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	good := creditCode("410100", 1)
	bad := good[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", good[17])+1)%31])
	body := map[string]any{"credit_code": bad, "name": "河南中原建设集团有限公司", "kind": "construction", "tenant": "4101",
		"qualifications": []map[string]any{{"category": "建筑工程施工总承包", "grade": "一级"}}, "licence_no": "（豫）JZ安许证字〔2020〕000001",
		"licence_valid_until": "2027-12-31"}
	before := s.writes()
	r := s.call("zhengzhou-reviewer", "POST", "/v1/enterprises", body)
	require.Equal(t, 422, r.Status, string(r.Raw))
	require.Equal(t, "body.credit_code", r.Body["errors"].([]any)[0].(map[string]any)["location"])
	require.Contains(t, string(r.Raw), "check character")
	require.Equal(t, before, s.writes(), "a refused enterprise wrote something")
	zh := s.call("zhengzhou-reviewer", "POST", "/v1/enterprises", body, "Accept-Language", "zh-CN")
	require.Contains(t, string(zh.Raw), "校验码错误")

	body["credit_code"] = good
	r = s.call("zhengzhou-reviewer", "POST", "/v1/enterprises", body)
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.EqualValues(t, 1, r.Body["version"])
	require.Equal(t, []any{"construction"}, r.Body["lines"])
	require.Equal(t, 409, s.call("zhengzhou-reviewer", "POST", "/v1/enterprises", body).Status)

	// update with the version read; the same content again; a stale version
	body["operating_address"], body["licensed_address"], body["version"] = "郑州市金水区花园路1号", "郑州市金水区花园路 1号", 1
	r = s.call("zhengzhou-reviewer", "PUT", "/v1/enterprises/"+good, body)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 2, r.Body["version"])
	require.Equal(t, false, r.Body["address_mismatch"]) // blanks aside, the same address
	body["version"] = 2
	r = s.call("zhengzhou-reviewer", "PUT", "/v1/enterprises/"+good, body)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 2, r.Body["version"], "the same content changes nothing")
	body["name"], body["version"] = "河南中原建设集团股份有限公司", 1
	r = s.call("zhengzhou-reviewer", "PUT", "/v1/enterprises/"+good, body)
	require.Equal(t, 409, r.Status, "a stale version: %s", r.Raw)
	body["version"], body["operating_address"] = 2, "郑州市中牟县某路8号"
	r = s.call("zhengzhou-reviewer", "PUT", "/v1/enterprises/"+good, body)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 3, r.Body["version"])
	require.Equal(t, true, r.Body["address_mismatch"], "证件办理地点和经营地点不相吻合 is flagged")

	// a fireworks outlet at Zhongmu, an emergency-line record
	outlet := creditCode("410122", 7)
	r = s.call("zhongmu-staff", "POST", "/v1/enterprises", map[string]any{"credit_code": outlet, "name": "中牟县某烟花爆竹零售店", "kind": "fireworks_retail",
		"tenant": "410122", "licence_no": "豫B(2026)0001", "licensed_address": "中牟县城关镇甲路1号", "operating_address": "中牟县城关镇乙路9号"})
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.Equal(t, []any{"emergency"}, r.Body["lines"])
	require.Equal(t, true, r.Body["address_mismatch"])

	// search: a Chinese substring, a code prefix, a subtree, a flag
	q := func(login, query string) (int, []string) {
		r := s.call(login, "GET", "/v1/enterprises?"+query, nil)
		require.Equal(t, 200, r.Status, string(r.Raw))
		var codes []string
		for _, it := range r.Body["items"].([]any) {
			codes = append(codes, it.(map[string]any)["credit_code"].(string))
		}
		return int(r.Body["total"].(float64)), codes
	}
	n, codes := q("henan-admin", "q="+url.QueryEscape("中原建设"))
	require.Equal(t, []string{good}, codes)
	require.Equal(t, 1, n)
	n, _ = q("henan-admin", "q="+good[:10])
	require.Equal(t, 1, n)
	n, _ = q("henan-admin", "tenant=4101")
	require.Equal(t, 2, n) // Zhengzhou's and Zhongmu's
	n, _ = q("henan-admin", "tenant=410122")
	require.Equal(t, 1, n)
	n, codes = q("henan-admin", "address_mismatch=true&kind=fireworks_retail")
	require.Equal(t, []string{outlet}, codes)
	n, _ = q("kaifeng-reviewer", "")
	require.Zero(t, n, "Kaifeng sees none of Zhengzhou's")
	require.Equal(t, 404, s.call("kaifeng-reviewer", "GET", "/v1/enterprises/"+good, nil).Status)
	// lines: Zhongmu's construction clerk does not see the fireworks outlet; the 安委办 does
	require.Equal(t, 404, s.call("zhongmu-zhujian", "GET", "/v1/enterprises/"+outlet, nil).Status)
	require.Equal(t, 200, s.call("zhongmu-anweiban", "GET", "/v1/enterprises/"+outlet, nil).Status)
	r = s.call("zhongmu-shijian", "POST", "/v1/enterprises", map[string]any{"credit_code": creditCode("410122", 8), "name": "x", "kind": "construction", "tenant": "410122"})
	require.Equal(t, 403, r.Status, "a market clerk registers no contractor: %s", r.Raw)
}

// TestRegistryImport: the template, a preview with row errors that writes
// nothing, a refused commit, then a clean file committed twice (the second
// time everything unchanged), and the export of the filtered list.
func TestRegistryImport(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	r := s.call("zhengzhou-reviewer", "GET", "/v1/registry/templates/enterprises", nil)
	require.Equal(t, 200, r.Status)
	tpl := readSheet(t, r.Raw)
	require.Equal(t, "统一社会信用代码*", tpl[0][0])
	header := tpl[0]

	row := func(code, name, grade, tenant string) []string {
		out := make([]string, len(header))
		out[0], out[1], out[2], out[3], out[5] = code, name, "施工", tenant, "建筑工程施工总承包:"+grade
		return out
	}
	var rows [][]string
	rows = append(rows, header)
	for i := 0; i < 30; i++ {
		rows = append(rows, row(creditCode("410100", 100+i), fmt.Sprintf("郑州第%d建筑工程有限公司", i), []string{"一级", "二级", "三级"}[i%3], "4101"))
	}
	broken := append([][]string{}, rows...)
	broken = append(broken, row(creditCode("410100", 200)[:17]+"0", "校验码错", "一级", "4101"), row(creditCode("410100", 201), "未知地区", "一级", "9999"),
		row(creditCode("410100", 202), "", "一级", "4101"), row(creditCode("410100", 100), "重复", "一级", "4101"))
	before := s.writes()
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=enterprises&preview=true", multipartFile{name: "企业.xlsx", content: sheet(t, broken...)})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 34, r.Body["rows"])
	require.EqualValues(t, 30, r.Body["valid"])
	errs := r.Body["errors"].([]any)
	require.Len(t, errs, 4, string(r.Raw))
	e0 := errs[0].(map[string]any)
	require.EqualValues(t, 32, e0["row"])
	require.Equal(t, "统一社会信用代码", e0["column"])
	require.Equal(t, "credit_code", e0["field"])
	require.Equal(t, "tenant", errs[1].(map[string]any)["field"])
	require.Equal(t, "name", errs[2].(map[string]any)["field"])
	require.Contains(t, errs[3].(map[string]any)["message"], "row 2")
	require.Equal(t, before, s.writes(), "a preview wrote something")
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=enterprises", multipartFile{name: "企业.xlsx", content: sheet(t, broken...)})
	require.Equal(t, 422, r.Status, string(r.Raw))
	require.Contains(t, r.Body["detail"], "nothing was imported")
	require.Equal(t, before, s.writes(), "a refused import wrote something")

	clean := sheet(t, rows...)
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=enterprises&preview=true", multipartFile{name: "企业.xlsx", content: clean})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 30, r.Body["created"])
	require.Equal(t, before, s.writes())
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=enterprises", multipartFile{name: "企业.xlsx", content: clean})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 30, r.Body["created"])
	after := s.writes()
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=enterprises", multipartFile{name: "企业.xlsx", content: clean})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 30, r.Body["unchanged"])
	require.EqualValues(t, 0, r.Body["created"])
	require.Equal(t, after, s.writes(), "the same file again wrote something")
	// one row changed: one update
	rows[5][1] += "（更名）"
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=enterprises", multipartFile{name: "企业.xlsx", content: sheet(t, rows...)})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 1, r.Body["updated"])
	require.EqualValues(t, 29, r.Body["unchanged"])

	// the export of a filtered list: the dual-prevention core (grade 二级 and above)
	r = s.call("zhengzhou-reviewer", "GET", "/v1/registry/exports/enterprises?tenant=4101&in_scope=true", nil)
	require.Equal(t, 200, r.Status, string(r.Raw))
	out := readSheet(t, r.Raw)
	require.Len(t, out, 1+20)
	require.Equal(t, header, out[0])
	// and it imports back unchanged
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=enterprises", multipartFile{name: "导出.xlsx", content: sheet(t, out...)})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 20, r.Body["unchanged"])

	// projects naming a contractor: registered in the province, or a row error
	ph := readSheet(t, s.call("zhengzhou-reviewer", "GET", "/v1/registry/templates/projects", nil).Raw)[0]
	prow := func(code, contractor, amount string) []string {
		out := make([]string, len(ph))
		out[0], out[1], out[2], out[5], out[7] = code, "项目"+code, "410122", contractor, amount
		return out
	}
	projects := sheet(t, ph, prow("P-0001", rows[1][0], "150000000"), prow("P-0002", creditCode("420100", 1), "1000"))
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind=projects&preview=true", multipartFile{name: "项目.xlsx", content: projects})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Len(t, r.Body["errors"], 1)
	require.Equal(t, "contractor", r.Body["errors"].([]any)[0].(map[string]any)["field"])
	require.EqualValues(t, 3, r.Body["errors"].([]any)[0].(map[string]any)["row"])
}

// TestPersonnelPersonalData: the ID number is stored sealed, shown
// masked, matched by its keyed hash, and read whole only by a reviewer or
// admin with a reason, each read audited.
func TestPersonnelPersonalData(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	id := idNumber("410122", "19850317", 123)
	body := map[string]any{"name": "王建国", "id_number": id, "phone": "13812345678", "role": "project_manager", "tenant": "410122",
		"certificates": []map[string]any{{"kind": "B", "number": "豫建安B(2021)0001234", "valid_until": "2020-06-30"}}}
	bad := map[string]any{}
	for k, v := range body {
		bad[k] = v
	}
	bad["id_number"] = id[:17] + string("10X98765432"[(strings.IndexByte("10X98765432", id[17])+1)%11])
	r := s.call("zhongmu-staff", "POST", "/v1/personnel", bad)
	require.Equal(t, 422, r.Status)
	require.NotContains(t, string(r.Raw), bad["id_number"], "a refused ID number is not echoed whole")
	r = s.call("zhongmu-staff", "POST", "/v1/personnel", body)
	require.Equal(t, 201, r.Status, string(r.Raw))
	pid := r.Body["id"].(string)
	require.Equal(t, "4101**********123"+id[17:], r.Body["id_number_masked"])
	require.Equal(t, "138****5678", r.Body["phone_masked"])
	require.Equal(t, true, r.Body["certificates"].([]any)[0].(map[string]any)["expired"])
	require.Equal(t, 409, s.call("zhongmu-staff", "POST", "/v1/personnel", body).Status, "the same ID number is the same person")
	for _, path := range []string{"/v1/personnel/" + pid, "/v1/personnel?tenant=410122", "/v1/registry/exports/personnel?tenant=410122"} {
		r := s.call("zhengzhou-reviewer", "GET", path, nil)
		require.Equal(t, 200, r.Status, path)
		require.NotContains(t, string(r.Raw), id, path)
		require.NotContains(t, string(r.Raw), "13812345678", path)
	}
	// nowhere in the database in clear
	var clear int
	require.NoError(t, s.admin().QueryRow(context.Background(), `SELECT count(*) FROM personnel WHERE doc::text LIKE '%'||$1||'%' OR id_sealed::text LIKE '%'||$1||'%'`, id).Scan(&clear))
	require.Zero(t, clear)

	require.Equal(t, 403, s.call("zhongmu-staff", "GET", "/v1/personnel/"+pid+"/personal-data?reason="+url.QueryEscape("核对"), nil).Status)
	require.Equal(t, 422, s.call("zhengzhou-reviewer", "GET", "/v1/personnel/"+pid+"/personal-data", nil).Status, "a reason is required")
	var audits func() int
	audits = func() (n int) {
		require.NoError(t, s.admin().QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'person.read_personal_data' AND target = $1`, "person/"+pid).Scan(&n))
		return
	}
	require.Zero(t, audits())
	r = s.call("zhengzhou-reviewer", "GET", "/v1/personnel/"+pid+"/personal-data?reason="+url.QueryEscape("核对安全生产考核合格证书"), nil)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, id, r.Body["id_number"])
	require.Equal(t, "13812345678", r.Body["phone"])
	require.Equal(t, 1, audits())
	require.Equal(t, 404, s.call("kaifeng-reviewer", "GET", "/v1/personnel/"+pid+"/personal-data?reason=x1", nil).Status)
	require.Equal(t, 1, audits())

	// update with the ID number it was registered with, and the version
	body["role"], body["version"] = "safety_officer", 1
	r = s.call("zhongmu-staff", "PUT", "/v1/personnel/"+pid, body)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 2, r.Body["version"])
	body["id_number"], body["version"] = idNumber("410122", "19900101", 5), 2
	require.Equal(t, 422, s.call("zhongmu-staff", "PUT", "/v1/personnel/"+pid, body).Status)
}

// TestDangerousWorkGatesAndCoverage: a project and its dangerous work over
// the scale, the gates in order through the API (409 out of order, 422
// without the experts' review), hazards naming the project, and coverage
// computed from the registry for a dual-prevention campaign.
func TestDangerousWorkGatesAndCoverage(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	big, small := creditCode("410100", 1), creditCode("410122", 2)
	for _, e := range []map[string]any{
		{"credit_code": big, "name": "一级总包", "kind": "construction", "tenant": "4101", "qualifications": []map[string]any{{"category": "建筑工程施工总承包", "grade": "一级"}}},
		{"credit_code": small, "name": "三级总包", "kind": "construction", "tenant": "410122", "qualifications": []map[string]any{{"category": "建筑工程施工总承包", "grade": "三级"}}},
	} {
		r := s.call("zhengzhou-reviewer", "POST", "/v1/enterprises", e)
		require.Equal(t, 201, r.Status, string(r.Raw))
	}
	r := s.call("zhongmu-staff", "POST", "/v1/projects", map[string]any{"code": "P-410122-01", "name": "中牟某安置房项目", "tenant": "410122",
		"contractor": creditCode("420100", 3), "contract_amount_cny": 260000000})
	require.Equal(t, 422, r.Status, "a contractor Henan does not have: %s", r.Raw)
	require.Equal(t, "body.contractor", r.Body["errors"].([]any)[0].(map[string]any)["location"])
	for _, p := range []map[string]any{
		{"code": "P-410122-01", "name": "中牟某安置房项目", "tenant": "410122", "contractor": big, "contract_amount_cny": 260000000, "starts_on": "2026-01-01"},
		{"code": "P-410122-02", "name": "中牟某小学食堂", "tenant": "410122", "contractor": small, "contract_amount_cny": 8000000},
	} {
		r := s.call("zhongmu-staff", "POST", "/v1/projects", p)
		require.Equal(t, 201, r.Status, string(r.Raw))
	}
	n, _ := strconv.Atoi(fmt.Sprint(s.call("henan-admin", "GET", "/v1/projects?in_scope=true", nil).Body["total"]))
	require.Equal(t, 1, n)

	// the dangerous work
	start := time.Now().In(duban.Shanghai).AddDate(0, 0, 20).Format("2006-01-02")
	end := time.Now().In(duban.Shanghai).AddDate(0, 2, 0).Format("2006-01-02")
	r = s.call("zhongmu-staff", "POST", "/v1/dangerous-works", map[string]any{"project": "P-410122-01", "code": "GZM-1", "category": "formwork",
		"over_scale": true, "description": "高支模，搭设高度8.5米", "starts_on": start, "ends_on": end})
	require.Equal(t, 201, r.Status, string(r.Raw))
	wid := r.Body["id"].(string)
	require.Equal(t, "plan_review", r.Body["next_gate"])
	att := s.call("zhongmu-staff", "POST", "/v1/attachments?tenant=410122", multipartFile{name: "方案.pdf", content: []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")})
	require.Equal(t, 201, att.Status, string(att.Raw))
	today := time.Now().In(duban.Shanghai).Format("2006-01-02")
	gate := func(g string, extra map[string]any) resp {
		b := map[string]any{"gate": g, "on": today, "person": "张工", "attachment": att.Body["id"]}
		for k, v := range extra {
			b[k] = v
		}
		return s.call("zhongmu-staff", "POST", "/v1/dangerous-works/"+wid+"/gates", b)
	}
	require.Equal(t, 409, gate("briefing", nil).Status, "out of order")
	r = gate("plan_review", nil)
	require.Equal(t, 422, r.Status, string(r.Raw))
	require.Equal(t, "body.expert_review", r.Body["errors"].([]any)[0].(map[string]any)["location"])
	review := map[string]any{"expert_review": map[string]any{"on": today, "experts": []string{"甲", "乙", "丙", "丁", "戊"}, "conclusion": "pass_with_changes"}}
	r = gate("plan_review", review)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, "briefing", r.Body["next_gate"])
	require.Equal(t, 409, gate("plan_review", review).Status, "twice")
	require.Equal(t, 404, s.call("zhongmu-shijian", "POST", "/v1/dangerous-works/"+wid+"/gates", map[string]any{"gate": "briefing", "on": today, "person": "x", "attachment": att.Body["id"]}).Status,
		"another line's clerk does not see it")
	r = s.call("zhengzhou-reviewer", "GET", "/v1/dangerous-works?tenant=4101&over_scale=true", nil)
	require.EqualValues(t, 1, r.Body["total"])

	// hazards name the project and the enterprise; the list filters by them
	hb := hazardBody("410122")
	hb["project"], hb["enterprise"] = "P-410122-9", big
	r = s.call("zhongmu-staff", "POST", "/v1/hazards", hb)
	require.Equal(t, 422, r.Status, string(r.Raw))
	hb["project"] = "P-410122-01"
	r = s.call("zhongmu-staff", "POST", "/v1/hazards", hb)
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.Equal(t, "construction", r.Body["line"])
	r = s.call("zhengzhou-reviewer", "GET", "/v1/hazards?project=P-410122-01", nil)
	require.EqualValues(t, 1, r.Body["total"])
	r = s.call("zhengzhou-reviewer", "GET", "/v1/hazards?project=P-410122-02", nil)
	require.EqualValues(t, 0, r.Body["total"])

	// coverage from the registry: in scope the grade-1 contractor and the
	// 260-million project; the reviewer verifies the enterprise
	cov := func(tier string) map[string]any {
		r := s.call("zhengzhou-reviewer", "GET", "/v1/registry/coverage?tenant=4101&tier="+tier, nil)
		require.Equal(t, 200, r.Status, string(r.Raw))
		return r.Body["tenant"].(map[string]any)
	}
	c := cov("core")
	require.EqualValues(t, 1, c["enterprises_in_scope"])
	require.EqualValues(t, 1, c["projects_in_scope"])
	require.EqualValues(t, 0, c["coverage"])
	require.Equal(t, 403, s.call("zhongmu-staff", "POST", "/v1/registry/enterprises/"+small+"/dual-prevention", map[string]any{"stage": "verified", "version": 1}).Status,
		"a clerk does not verify (验收)")
	r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/enterprises/"+big+"/dual-prevention", map[string]any{"stage": "verified", "version": 1})
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, 409, s.call("zhengzhou-reviewer", "POST", "/v1/registry/enterprises/"+big+"/dual-prevention", map[string]any{"stage": "verified", "version": 1}).Status)
	c = cov("core")
	require.EqualValues(t, 0.5, c["coverage"])
	c = cov("extension")
	require.EqualValues(t, 2, c["enterprises_in_scope"])
	require.EqualValues(t, 2, c["projects_in_scope"])
	require.EqualValues(t, 0.25, c["coverage"])

	// a dual-prevention campaign's progress shows the registry's coverage
	r = s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "dual-prevention", "title": "双重预防", "scope": "41", "levels": []string{"county"}, "targets": []string{"410122"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	cid := r.Body["id"].(string)
	eventually(t, time.Minute, func() bool {
		p := s.call("henan-planner", "GET", "/v1/campaigns/"+cid+"/progress?tenant=4101", nil)
		ratios, _ := p.Body["tenant"].(map[string]any)["ratios"].(map[string]any)
		return p.Status == 200 && ratios["coverage"] == 0.5
	}, "the registry's coverage in the campaign's progress")
	tpl := s.call("henan-planner", "GET", "/v1/campaign-templates", nil)
	require.NotContains(t, string(tpl.Raw), "enterprises_verified\",\"label", "the form no longer asks for the counts")
}

// TestRegistryImportEveryKind: for projects, personnel and dangerous works
// (enterprises: TestRegistryImport) a clean sheet commits, the same sheet
// again changes nothing, a row error in preview writes nothing, and the
// export lists what was imported.
func TestRegistryImportEveryKind(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	contractor := creditCode("410100", 77)
	s.expect(201, "zhengzhou-reviewer", "POST", "/v1/enterprises", map[string]any{"credit_code": contractor, "name": "郑州某总包", "kind": "construction", "tenant": "4101"})
	start := time.Now().In(duban.Shanghai).AddDate(0, 1, 0).Format("2006-01-02")
	end := time.Now().In(duban.Shanghai).AddDate(0, 4, 0).Format("2006-01-02")
	sheets := []struct {
		kind   string
		header []string
		rows   [][]string
		bad    []string
	}{
		{"projects", []string{"项目编号", "项目名称", "所在地区代码", "施工总承包单位信用代码", "单项合同额（元）", "开工日期"},
			[][]string{{"P-IMP-1", "中牟某学校", "410122", contractor, "120000000", "2027/3/1"}, {"P-IMP-2", "郑州某医院", "4101", "", "5000000", ""}},
			[]string{"P-IMP-3", "坏日期", "4101", "", "1000", "2027-13-40"}},
		{"personnel", []string{"姓名", "身份证号", "岗位", "单位信用代码", "所在地区代码", "证书"},
			[][]string{{"赵一", idNumber("410122", "19800101", 1), "项目经理", contractor, "410122", "B:豫建安B(2021)1:2028-01-01"},
				{"钱二", idNumber("410101", "19850505", 2), "专职安全生产管理人员", "", "4101", ""}},
			[]string{"孙三", "410101198505050000", "项目经理", "", "4101", ""}},
		{"dangerous_works", []string{"项目编号", "工程编号", "类别", "超过一定规模", "工程概况", "计划开始日期", "计划完成日期"},
			[][]string{{"P-IMP-1", "JK-1", "基坑工程", "是", "深基坑6米", start, end}, {"P-IMP-1", "GZM-1", "模板工程及支撑体系", "否", "模板支撑", start, end}},
			[]string{"P-NONE", "X-1", "基坑工程", "否", "项目不存在", start, end}},
	}
	for _, k := range sheets {
		rows := append([][]string{k.header}, k.rows...)
		before := s.writes()
		r := s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind="+k.kind+"&preview=true", multipartFile{name: k.kind + ".xlsx", content: sheet(t, append(rows, k.bad)...)})
		require.Equal(t, 200, r.Status, "%s: %s", k.kind, r.Raw)
		require.Len(t, r.Body["errors"], 1, "%s: %s", k.kind, r.Raw)
		require.EqualValues(t, 4, r.Body["errors"].([]any)[0].(map[string]any)["row"], k.kind)
		require.Equal(t, before, s.writes(), "%s: a preview wrote something", k.kind)
		r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind="+k.kind, multipartFile{name: k.kind + ".xlsx", content: sheet(t, rows...)})
		require.Equal(t, 200, r.Status, "%s: %s", k.kind, r.Raw)
		require.EqualValues(t, 2, r.Body["created"], k.kind)
		if k.kind == "dangerous_works" {
			time.Sleep(500 * time.Millisecond) // the workflows' first notices settle
		}
		after := s.writes()
		r = s.call("zhengzhou-reviewer", "POST", "/v1/registry/import?kind="+k.kind, multipartFile{name: k.kind + ".xlsx", content: sheet(t, rows...)})
		require.Equal(t, 200, r.Status, "%s: %s", k.kind, r.Raw)
		require.EqualValues(t, 2, r.Body["unchanged"], k.kind)
		require.Equal(t, after, s.writes(), "%s: the same file again wrote something", k.kind)
		x := s.call("zhengzhou-reviewer", "GET", "/v1/registry/exports/"+k.kind+"?tenant=4101", nil)
		require.Equal(t, 200, x.Status, string(x.Raw))
		require.Len(t, readSheet(t, x.Raw), 3, k.kind)
	}
	// the personnel export shows the numbers masked
	x := s.call("zhengzhou-reviewer", "GET", "/v1/registry/exports/personnel?tenant=4101", nil)
	for _, row := range readSheet(t, x.Raw)[1:] {
		require.Contains(t, row[1], "**********")
	}
	// update a project with the version read
	p := s.call("zhengzhou-reviewer", "GET", "/v1/projects/P-IMP-2", nil)
	body := map[string]any{"name": "郑州某医院（二期）", "tenant": "4101", "contract_amount_cny": 6000000, "version": p.Body["version"]}
	r := s.call("zhengzhou-reviewer", "PUT", "/v1/projects/P-IMP-2", body)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, 2, r.Body["version"])
	require.Equal(t, 409, s.call("zhengzhou-reviewer", "PUT", "/v1/projects/P-IMP-2", map[string]any{"name": "x", "tenant": "4101", "contract_amount_cny": 1, "version": 1}).Status)
}
