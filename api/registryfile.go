package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/xuri/excelize/v2"
)

// Registry import and export (Excel, as the offices keep these lists): one
// template per kind with Chinese headers; an import is read whole,
// every row validated, and answered row by row before anything is written
// (preview); committed, it writes every row in one transaction, keyed by
// credit code, project code, ID number or work number, so the same file
// twice is the same registry.

// MaxImportRows bounds the rows of one import file.
const MaxImportRows = 20000

// maxImportBody bounds an import request (a 20,000-row sheet is ~2 MiB).
const maxImportBody = 16<<20 + 64<<10

// column is one column of a kind's sheet.
type column struct {
	Header   string // as in the template (Chinese)
	Field    string // the API field
	Required bool
	Example  string
	Hint     string
}

// importKind describes a sheet.
type importKind struct {
	ID      string
	Name    string // sheet and file name
	Columns []column
	// Kinds: the enterprise kinds this sheet takes (the first is the default).
	Kinds []duban.EnterpriseKind
}

var enterpriseColumns = []column{
	{"统一社会信用代码", "credit_code", true, "91410100MA44XXXXXX", "18位，末位为校验码"},
	{"企业名称", "name", true, "河南某建设集团有限公司", ""},
	{"类型", "kind", true, "施工", "施工、监理、建设、勘察设计、食品生产经营、餐饮、学校食堂、烟花爆竹批发、烟花爆竹零售"},
	{"登记地区代码", "tenant", true, "410100", "6位行政区划代码（市级为4位，如4101）"},
	{"条线", "lines", false, "住建", "住建、应急、市场监管、安委办、食安办，多个用顿号分隔；默认按类型"},
	{"资质", "qualifications", false, "建筑工程施工总承包:一级；市政公用工程施工总承包:二级", "类别:等级，多项用分号分隔"},
	{"许可证号", "licence_no", false, "（豫）JZ安许证字〔2020〕000001", "安全生产许可证 / 食品经营许可证 / 烟花爆竹经营许可证"},
	{"许可证有效期至", "licence_valid_until", false, "2027-12-31", "YYYY-MM-DD"},
	{"证载地址", "licensed_address", false, "郑州市金水区某路1号", ""},
	{"实际经营地址", "operating_address", false, "郑州市金水区某路1号", "与证载地址不符的将被标记"},
	{"法定代表人", "legal_rep", false, "张三", ""},
	{"状态", "status", false, "正常", "正常、暂停、吊销、注销；默认正常"},
}

var importKinds = []importKind{
	{ID: "enterprises", Name: "企业库", Columns: enterpriseColumns},
	{ID: "fireworks_outlets", Name: "烟花爆竹经营网点", Columns: enterpriseColumns, Kinds: []duban.EnterpriseKind{"fireworks_retail", "fireworks_wholesale"}},
	{ID: "food_businesses", Name: "食品经营单位", Columns: enterpriseColumns, Kinds: []duban.EnterpriseKind{"catering", "school_canteen", "food_production"}},
	{ID: "projects", Name: "项目库", Columns: []column{
		{"项目编号", "code", true, "4101012027030001", "4–64位字母、数字或连字符"},
		{"项目名称", "name", true, "郑州某小区二期", ""},
		{"所在地区代码", "tenant", true, "410122", ""},
		{"条线", "lines", false, "住建", "默认住建"},
		{"建设单位信用代码", "builder", false, "", "须已在本省企业库登记"},
		{"施工总承包单位信用代码", "contractor", false, "", "须已在本省企业库登记"},
		{"监理单位信用代码", "supervisor", false, "", "须已在本省企业库登记"},
		{"单项合同额（元）", "contract_amount_cny", true, "150000000", "整数，单位元"},
		{"开工日期", "starts_on", false, "2027-03-01", "YYYY-MM-DD"},
		{"竣工日期", "ends_on", false, "2028-12-31", "YYYY-MM-DD"},
		{"状态", "status", false, "在建", "未开工、在建、停工、竣工；默认在建"},
	}},
	{ID: "personnel", Name: "人员库", Columns: []column{
		{"姓名", "name", true, "李四", ""},
		{"身份证号", "id_number", true, "", "18位；加密保存，显示时脱敏"},
		{"手机号", "phone", false, "", "加密保存，显示时脱敏"},
		{"岗位", "role", true, "项目经理", "项目经理、项目技术负责人、专职安全生产管理人员、企业主要负责人、总监理工程师、专业监理工程师、特种作业人员"},
		{"单位信用代码", "employer", false, "", "须已在本省企业库登记"},
		{"所在地区代码", "tenant", true, "410122", ""},
		{"条线", "lines", false, "住建", "默认住建"},
		{"证书", "certificates", false, "B:豫建安B(2021)0001234:2027-06-30", "类别:编号:有效期至，类别 A、B、C、特种作业、其他；多本用分号分隔"},
		{"状态", "status", false, "在岗", "在岗、离岗；默认在岗"},
	}},
	{ID: "dangerous_works", Name: "危大工程", Columns: []column{
		{"项目编号", "project", true, "4101012027030001", "须已在项目库登记"},
		{"工程编号", "code", true, "GZM-1", "项目内唯一"},
		{"类别", "category", true, "模板工程及支撑体系", "基坑工程、模板工程及支撑体系、起重吊装及起重机械安装拆卸工程、脚手架工程、拆除工程、暗挖工程、其它"},
		{"超过一定规模", "over_scale", false, "是", "是/否：超过一定规模的须专家论证"},
		{"工程概况", "description", true, "高支模，搭设高度8.5米", ""},
		{"计划开始日期", "starts_on", true, "2027-03-10", "方案编审、安全交底须在此前完成"},
		{"计划完成日期", "ends_on", true, "2027-04-30", "方案实施、工序验收须在此前完成"},
	}},
}

// keyField is the field a kind's records are keyed by.
var keyField = map[string]string{"enterprises": "credit_code", "fireworks_outlets": "credit_code", "food_businesses": "credit_code",
	"projects": "code", "personnel": "id_number", "dangerous_works": "code"}

func importKindByID(id string) *importKind {
	for i := range importKinds {
		if importKinds[i].ID == id {
			return &importKinds[i]
		}
	}
	return nil
}

// Chinese values the sheets accept besides the API's ids.
var (
	statusWords = map[string]string{"正常": "active", "暂停": "suspended", "吊销": "revoked", "注销": "closed",
		"未开工": "planned", "在建": "under_construction", "停工": "suspended", "竣工": "completed", "在岗": "active", "离岗": "inactive"}
	lineWords = map[string]duban.Line{"住建": duban.LineConstruction, "住房城乡建设": duban.LineConstruction, "应急": duban.LineEmergency,
		"应急管理": duban.LineEmergency, "市场监管": duban.LineMarket, "安委办": duban.LineSafetyOffice, "食安办": duban.LineFoodOffice}
	certWords = map[string]string{"特种作业": "special", "其他": "other"}
)

func word(m map[string]string, v string) string {
	if w, ok := m[v]; ok {
		return w
	}
	return v
}

func choiceWord(cs []duban.Choice, v string) string {
	for _, c := range cs {
		if c.Label.ZH == v {
			return c.ID
		}
	}
	return v
}

func kindWord(v string) string {
	for _, k := range duban.EnterpriseKinds {
		if k.Name.ZH == v {
			return string(k.ID)
		}
	}
	return v
}

func splitList(s string, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func linesCell(v string) []string {
	var out []string
	for _, f := range splitList(v, "、,，;；") {
		if l, ok := lineWords[f]; ok {
			f = string(l)
		}
		out = append(out, f)
	}
	return out
}

// dateCell reads a date as offices type it: 2027-03-10, 2027/3/10,
// 2027.3.10, or an Excel serial day number.
func dateCell(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006.1.2", "2006-1-2", "2006年1月2日"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("2006-01-02")
		}
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 20000 && n < 80000 {
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n)).Format("2006-01-02")
	}
	return v
}

// parsedRow is one sheet row turned into a store write (or errors).
type parsedRow struct {
	row   int
	write duban.RegistryWrite
	work  *duban.DangerousWorkInput
	errs  []duban.RowError
}

// parseRow validates one row of kind k (cells by field).
func (s *Server) parseRow(k *importKind, row int, cells map[string]string) parsedRow {
	out := parsedRow{row: row}
	fail := func(err error) parsedRow {
		if e, ok := err.(*duban.Error); ok && len(e.Fields) > 0 {
			for _, f := range e.Fields {
				field := strings.TrimPrefix(f.Location, "row.")
				field = strings.SplitN(field, "[", 2)[0]
				out.errs = append(out.errs, duban.RowError{Row: row, Field: field, Column: k.header(field), Message: f.Message, Value: f.Value})
			}
		} else {
			out.errs = append(out.errs, duban.RowError{Row: row, Message: duban.ErrorMessage(err)})
		}
		return out
	}
	switch k.ID {
	case "enterprises", "fireworks_outlets", "food_businesses":
		in := duban.EnterpriseInput{CreditCode: cells["credit_code"], Name: cells["name"], Kind: kindWord(cells["kind"]), Tenant: cells["tenant"],
			Lines: linesCell(cells["lines"]), LicenceNo: cells["licence_no"], LicenceValidUntil: dateCell(cells["licence_valid_until"]),
			LicensedAddress: cells["licensed_address"], OperatingAddress: cells["operating_address"], LegalRep: cells["legal_rep"],
			Status: word(statusWords, cells["status"])}
		if in.Kind == "" && len(k.Kinds) > 0 {
			in.Kind = string(k.Kinds[0])
		}
		for _, q := range splitList(cells["qualifications"], ";；") {
			parts := strings.SplitN(strings.ReplaceAll(q, "：", ":"), ":", 2)
			qq := duban.Qualification{Category: strings.TrimSpace(parts[0])}
			if len(parts) == 2 {
				qq.Grade = strings.TrimSpace(parts[1])
			}
			in.Qualifications = append(in.Qualifications, qq)
		}
		e, err := in.Validate(s.Dir, "row.")
		if err != nil {
			return fail(err)
		}
		if len(k.Kinds) > 0 && !slices.Contains(k.Kinds, e.Kind) {
			return fail(duban.Invalid("row.kind", "this sheet takes other kinds", cells["kind"]))
		}
		out.write = enterpriseWrite(e, 0)
	case "projects":
		amount := atoi(strings.ReplaceAll(cells["contract_amount_cny"], ",", ""))
		if amount < 0 {
			return fail(duban.Invalid("row.contract_amount_cny", "must be a whole number of CNY", cells["contract_amount_cny"]))
		}
		in := duban.ProjectInput{Code: cells["code"], Name: cells["name"], Tenant: cells["tenant"], Lines: linesCell(cells["lines"]),
			Builder: cells["builder"], Contractor: cells["contractor"], Supervisor: cells["supervisor"], ContractAmount: amount,
			StartsOn: dateCell(cells["starts_on"]), EndsOn: dateCell(cells["ends_on"]), Status: word(statusWords, cells["status"])}
		p, err := in.Validate(s.Dir, "row.")
		if err != nil {
			return fail(err)
		}
		out.write = projectWrite(p, 0)
	case "personnel":
		in := duban.PersonInput{Name: cells["name"], IDNumber: cells["id_number"], Phone: cells["phone"], Role: choiceWord(duban.PersonRoles, cells["role"]),
			Employer: cells["employer"], Tenant: cells["tenant"], Lines: linesCell(cells["lines"]), Status: word(statusWords, cells["status"])}
		for _, c := range splitList(cells["certificates"], ";；") {
			parts := strings.SplitN(strings.ReplaceAll(c, "：", ":"), ":", 3)
			cert := duban.Certificate{Kind: word(certWords, strings.TrimSpace(parts[0]))}
			if len(parts) > 1 {
				cert.Number = strings.TrimSpace(parts[1])
			}
			if len(parts) > 2 {
				cert.ValidUntil = dateCell(parts[2])
			}
			in.Certificates = append(in.Certificates, cert)
		}
		p, err := in.Validate(s.Dir, "row.")
		if err != nil {
			return fail(err)
		}
		out.write = s.personWrite(p, in, 0)
	case "dangerous_works":
		over := strings.TrimSpace(cells["over_scale"])
		in := duban.DangerousWorkInput{Project: cells["project"], Code: cells["code"], Category: choiceWord(duban.DangerousCategories, cells["category"]),
			OverScale: over == "是" || strings.EqualFold(over, "true") || over == "1", Description: cells["description"],
			StartsOn: dateCell(cells["starts_on"]), EndsOn: dateCell(cells["ends_on"])}
		if _, err := in.Validate("row."); err != nil {
			return fail(err)
		}
		out.work = &in
	}
	return out
}

func (k *importKind) header(field string) string {
	for _, c := range k.Columns {
		if c.Field == field {
			return c.Header
		}
	}
	return ""
}

// ImportResult is what an import did, or would do.
type ImportResult struct {
	Kind      string           `json:"kind"`
	Preview   bool             `json:"preview" doc:"Nothing was written"`
	Rows      int              `json:"rows" doc:"Data rows in the sheet"`
	Valid     int              `json:"valid" doc:"Rows without errors"`
	Created   int              `json:"created"`
	Updated   int              `json:"updated"`
	Unchanged int              `json:"unchanged"`
	Errors    []duban.RowError `json:"errors" doc:"Every problem, by row and column; an import with any is not committed"`
}

type importIn struct {
	Kind    string `query:"kind" required:"true" enum:"enterprises,fireworks_outlets,food_businesses,projects,personnel,dangerous_works"`
	Preview bool   `query:"preview" doc:"Validate every row and answer what would be created, updated or left unchanged; write nothing"`
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"The filled template (.xlsx), at most 20,000 rows"`
	}]
}

func (s *Server) registerRegistryFiles(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-registry-template", Method: http.MethodGet, Path: "/v1/registry/templates/{kind}", Tags: []string{"Registry"},
		Summary: "Download the import template of a kind (XLSX with Chinese headers, hints and an example row)", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Kind string `path:"kind" enum:"enterprises,fireworks_outlets,food_businesses,projects,personnel,dangerous_works"`
	}) (*fileOut, error) {
		k := importKindByID(in.Kind)
		rows := [][]string{{}}
		for _, c := range k.Columns {
			rows[0] = append(rows[0], c.Example)
		}
		b, err := sheetXLSX(k, rows, true)
		if err != nil {
			return nil, problem(err)
		}
		return xlsxOut(k.Name+"导入模板.xlsx", b), nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "import-registry", Method: http.MethodPost, Path: "/v1/registry/import", Tags: []string{"Registry"},
		Summary: "Import a filled template (XLSX): preview row by row, then commit",
		Description: "preview=true validates every row (check characters, tenants, enterprises named, keys registered out of your view) and answers " +
			"per-row errors and what would be created, updated or left unchanged, writing nothing. Without preview the import is written in one " +
			"transaction only when no row has an error (422 with every row's errors otherwise); the same file again leaves everything unchanged.",
		Security: bearerSecurity, MaxBodyBytes: maxImportBody,
	}, func(ctx context.Context, in *importIn) (*struct{ Body ImportResult }, error) {
		k := importKindByID(in.Kind)
		if len(s.Authz.Scope(principal(ctx), actRegistryWrite)) == 0 {
			return nil, huma.Error403Forbidden("you may not " + actRegistryWrite + " anywhere")
		}
		f := in.RawBody.Data().File
		if !f.IsSet || f.File == nil {
			return nil, invalid("body.file", `a file is required in the form field "file"`, nil)
		}
		defer f.Close()
		content, err := io.ReadAll(io.LimitReader(f, maxImportBody))
		if err != nil {
			return nil, huma.Error400BadRequest("cannot read the request body")
		}
		res, err := s.importSheet(ctx, k, content, in.Preview)
		if err != nil {
			return nil, err
		}
		for i := range res.Errors {
			res.Errors[i].Message = localizeMessage(ctx, res.Errors[i].Message)
		}
		return &struct{ Body ImportResult }{*res}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "export-registry", Method: http.MethodGet, Path: "/v1/registry/exports/{kind}", Tags: []string{"Registry"},
		Summary:     "Export a filtered registry list (XLSX in the import template's columns, so it can be edited and imported back)",
		Description: "At most 100,000 rows.",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Kind     string `path:"kind" enum:"enterprises,projects,personnel,dangerous_works"`
		Tenant   string `query:"tenant" maxLength:"6"`
		Q        string `query:"q" maxLength:"100"`
		Line     string `query:"line" enum:"construction,emergency,market,safety_office,food_office"`
		Type     string `query:"type" maxLength:"40" doc:"enterprises: kind; projects: contractor; personnel: employer; dangerous_works: category"`
		Status   string `query:"status" maxLength:"40" doc:"enterprises, projects: status; personnel: role"`
		Mismatch bool   `query:"address_mismatch"`
		InScope  bool   `query:"in_scope"`
	}) (*fileOut, error) {
		scope, within, _, err := s.registryScope(ctx, actRegistryRead, in.Tenant, "")
		if err != nil {
			return nil, err
		}
		f := duban.RegistryFilter{Within: within, Query: in.Q, Line: in.Line, Kind: in.Type, Status: in.Status, Mismatch: in.Mismatch, InScope: in.InScope, Limit: 1000}
		k := importKindByID(in.Kind)
		var rows [][]string
		for len(rows) < 100_000 {
			var n int
			var last string
			switch in.Kind {
			case duban.KindEnterprises:
				items, _, err := s.DB.ListEnterprises(ctx, scope, f)
				if err != nil {
					return nil, problem(err)
				}
				for _, e := range items {
					rows = append(rows, enterpriseCells(e))
					last = e.CreditCode
				}
				n = len(items)
			case duban.KindProjects:
				items, _, err := s.DB.ListProjects(ctx, scope, f)
				if err != nil {
					return nil, problem(err)
				}
				for _, p := range items {
					rows = append(rows, projectCells(p))
					last = p.Code
				}
				n = len(items)
			case duban.KindPersonnel:
				items, _, err := s.DB.ListPersonnel(ctx, scope, f)
				if err != nil {
					return nil, problem(err)
				}
				for _, p := range items {
					rows = append(rows, personCells(p))
					last = p.ID
				}
				n = len(items)
			default:
				f.Project = ""
				items, _, err := s.DB.ListDangerousWorks(ctx, scope, f)
				if err != nil {
					return nil, problem(err)
				}
				for _, w := range items {
					rows = append(rows, workCells(w))
					last = w.ID
				}
				n = len(items)
			}
			if n < f.Limit {
				break
			}
			f.After = last
		}
		b, err := sheetXLSX(k, rows, false)
		if err != nil {
			return nil, problem(err)
		}
		return xlsxOut(k.Name+"导出"+time.Now().In(duban.Shanghai).Format("20060102")+".xlsx", b), nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-registry-vocabulary", Method: http.MethodGet, Path: "/v1/registry/vocabulary", Tags: []string{"Registry"},
		Summary:  "The registry's vocabulary: lines, enterprise kinds, person roles, dangerous-work categories and the four gates, with Chinese names",
		Security: bearerSecurity,
	}, func(ctx context.Context, in *struct{}) (*struct{ Body vocabulary }, error) {
		return &struct{ Body vocabulary }{vocabulary{Lines: duban.LineInfos, EnterpriseKinds: duban.EnterpriseKinds, PersonRoles: duban.PersonRoles,
			DangerousCategories: duban.DangerousCategories, Gates: duban.Gates}}, nil
	})
}

type vocabulary struct {
	Lines               []duban.LineInfo           `json:"lines"`
	EnterpriseKinds     []duban.EnterpriseKindInfo `json:"enterprise_kinds"`
	PersonRoles         []duban.Choice             `json:"person_roles"`
	DangerousCategories []duban.Choice             `json:"dangerous_categories"`
	Gates               []duban.Choice             `json:"gates"`
}

type fileOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func xlsxOut(name string, b []byte) *fileOut {
	return &fileOut{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		ContentDisposition: `attachment; filename="registry.xlsx"; filename*=UTF-8''` + urlEscape(name), Body: b}
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// sheetXLSX writes a kind's sheet: headers (required ones marked *),
// then rows; a template adds a hint row under the headers.
func sheetXLSX(k *importKind, rows [][]string, template bool) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := k.Name
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#DDEBF7"}, Pattern: 1}})
	hint, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "#808080"}})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49}) // text: codes keep their leading zeros
	for i, c := range k.Columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		h := c.Header
		if c.Required {
			h += "*"
		}
		_ = f.SetCellStr(sheet, col+"1", h)
		_ = f.SetColWidth(sheet, col, col, 18)
		_ = f.SetColStyle(sheet, col, text)
		if template {
			_ = f.SetCellStr(sheet, col+"2", c.Hint)
		}
	}
	last, _ := excelize.ColumnNumberToName(len(k.Columns))
	_ = f.SetCellStyle(sheet, "A1", last+"1", bold)
	start := 2
	if template {
		_ = f.SetCellStyle(sheet, "A2", last+"2", hint)
		start = 3
	}
	for r, row := range rows {
		for i, v := range row {
			col, _ := excelize.ColumnNumberToName(i + 1)
			_ = f.SetCellStr(sheet, col+strconv.Itoa(start+r), v)
		}
	}
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// importSheet reads, validates and (unless preview) writes a sheet.
func (s *Server) importSheet(ctx context.Context, k *importKind, content []byte, preview bool) (*ImportResult, error) {
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		return nil, invalid("body.file", "not an XLSX workbook: download the template (get-registry-template) and fill it in", nil)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, invalid("body.file", "the workbook has no sheet", nil)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, invalid("body.file", "the sheet cannot be read", nil)
	}
	defer rows.Close()
	res := &ImportResult{Kind: k.ID, Preview: preview, Errors: []duban.RowError{}}
	var cols []string // field per column index
	var parsed []parsedRow
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns()
		if err != nil {
			return nil, invalid("body.file", "the sheet cannot be read", nil)
		}
		if cols == nil { // the header row: columns found by header, in any order
			for _, h := range cells {
				h = strings.TrimSuffix(strings.TrimSpace(h), "*")
				cols = append(cols, fieldOf(k, h))
			}
			var missing []string
			for _, c := range k.Columns {
				if c.Required && !slices.Contains(cols, c.Field) {
					missing = append(missing, c.Header)
				}
			}
			if len(missing) > 0 {
				return nil, invalid("body.file", "the header row lacks required columns: "+strings.Join(missing, "、")+"; download the template", nil)
			}
			continue
		}
		vals := map[string]string{}
		blank := true
		for i, v := range cells {
			if i < len(cols) && cols[i] != "" {
				vals[cols[i]] = strings.TrimSpace(v)
				blank = blank && vals[cols[i]] == ""
			}
		}
		if blank || isHintRow(k, vals) {
			continue
		}
		if len(parsed) >= MaxImportRows {
			return nil, invalid("body.file", fmt.Sprintf("at most %d rows per file: split it", MaxImportRows), nil)
		}
		parsed = append(parsed, s.parseRow(k, n, vals))
	}
	if cols == nil {
		return nil, invalid("body.file", "the sheet is empty: download the template and fill it in", nil)
	}
	res.Rows = len(parsed)
	if k.ID == "dangerous_works" {
		return s.importWorks(ctx, res, parsed, preview)
	}
	var writes []duban.RegistryWrite
	var index []int // parsed index of each write
	for i, p := range parsed {
		res.Errors = append(res.Errors, p.errs...)
		if len(p.errs) == 0 {
			if err := s.require(ctx, actRegistryWrite, p.write.Tenant, p.write.Lines...); err != nil {
				res.Errors = append(res.Errors, duban.RowError{Row: p.row, Field: "tenant", Column: k.header("tenant"), Message: "you may not register records here", Value: p.write.Tenant})
				continue
			}
			writes = append(writes, p.write)
			index = append(index, i)
		}
	}
	tenant := principal(ctx).Tenant
	commit := !preview && len(res.Errors) == 0
	outcomes, rowErrs, err := s.DB.SaveRegistry(ctx, s.Authz.Scope(principal(ctx), actRegistryWrite), writes,
		duban.RegistryAudit{Tenant: tenant, Action: "registry.import", Target: "registry/" + k.ID}, commit)
	if err != nil {
		return nil, problem(err)
	}
	for i, errs := range rowErrs {
		for _, e := range errs {
			e.Row = parsed[index[i]].row
			if e.Field == "key" {
				e.Field = keyField[k.ID]
			}
			e.Column = k.header(e.Field)
			res.Errors = append(res.Errors, e)
		}
	}
	sortRowErrors(res.Errors)
	res.Valid = res.Rows - distinctRows(res.Errors)
	for _, o := range outcomes {
		switch o {
		case duban.OutcomeCreated:
			res.Created++
		case duban.OutcomeUpdated:
			res.Updated++
		default:
			res.Unchanged++
		}
	}
	if !preview && len(res.Errors) > 0 {
		return nil, importRejected(res)
	}
	if !commit {
		res.Preview = true
	}
	return res, nil
}

// importWorks validates dangerous-work rows against the projects and, on
// commit, starts each work's workflow (idempotent by id).
func (s *Server) importWorks(ctx context.Context, res *ImportResult, parsed []parsedRow, preview bool) (*ImportResult, error) {
	read := s.Authz.Scope(principal(ctx), actRegistryRead)
	projects := map[string]*duban.Project{}
	for i := range parsed {
		p := &parsed[i]
		res.Errors = append(res.Errors, p.errs...)
		if len(p.errs) > 0 {
			continue
		}
		pr, ok := projects[p.work.Project]
		if !ok {
			pr, _ = s.DB.GetProject(ctx, read, p.work.Project)
			projects[p.work.Project] = pr
		}
		if pr == nil {
			p.errs = []duban.RowError{{Row: p.row, Field: "project", Column: "项目编号", Message: "no project with this code is registered in your view", Value: p.work.Project}}
		} else if s.require(ctx, actRegistryWrite, pr.Tenant, pr.Lines...) != nil {
			p.errs = []duban.RowError{{Row: p.row, Field: "project", Column: "项目编号", Message: "you may not register records here", Value: p.work.Project}}
		}
		res.Errors = append(res.Errors, p.errs...)
	}
	sortRowErrors(res.Errors)
	res.Valid = res.Rows - distinctRows(res.Errors)
	if len(res.Errors) > 0 && !preview {
		return nil, importRejected(res)
	}
	// each new work starts its workflow; a few at a time, as the engine
	// answers each start with the recorded first version
	sem := make(chan struct{}, importStarts)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for _, p := range parsed {
		if len(p.errs) > 0 {
			continue
		}
		id := duban.DangerousWorkID(p.work.Project, p.work.Code)
		if _, err := s.DB.GetDangerousWork(ctx, read, id); err == nil {
			res.Unchanged++
			continue
		}
		res.Created++
		if preview {
			continue
		}
		work := *p.work
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := s.startDangerousWork(ctx, work, "row."); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr // the works started stay started: importing the file again starts the rest
	}
	return res, nil
}

// importStarts bounds the workflow starts of one import in flight.
const importStarts = 16

func importRejected(res *ImportResult) error {
	fields := make([]duban.FieldError, 0, len(res.Errors))
	for _, e := range res.Errors {
		fields = append(fields, duban.FieldError{Location: fmt.Sprintf("file.row[%d].%s", e.Row, e.Field), Message: e.Message, Value: e.Value})
	}
	return problem(&duban.Error{Code: duban.EInvalid, Message: fmt.Sprintf("%d rows have errors; nothing was imported", distinctRows(res.Errors)), Fields: fields})
}

func sortRowErrors(es []duban.RowError) {
	slices.SortStableFunc(es, func(a, b duban.RowError) int { return a.Row - b.Row })
}

func distinctRows(es []duban.RowError) int {
	seen := map[int]bool{}
	for _, e := range es {
		seen[e.Row] = true
	}
	return len(seen)
}

func fieldOf(k *importKind, header string) string {
	for _, c := range k.Columns {
		if c.Header == header || c.Field == header {
			return c.Field
		}
	}
	return ""
}

func isHintRow(k *importKind, vals map[string]string) bool {
	for _, c := range k.Columns {
		if c.Hint != "" && vals[c.Field] == c.Hint {
			return true
		}
	}
	return false
}

func linesText(ls []duban.Line) string {
	var out []string
	for _, l := range ls {
		out = append(out, string(l))
	}
	return strings.Join(out, "、")
}

func enterpriseCells(e duban.Enterprise) []string {
	var qs []string
	for _, q := range e.Qualifications {
		qs = append(qs, q.Category+":"+q.Grade)
	}
	kind := string(e.Kind)
	if info := e.Kind.KindInfo(); info != nil {
		kind = info.Name.ZH
	}
	return []string{e.CreditCode, e.Name, kind, e.Tenant, linesText(e.Lines), strings.Join(qs, "；"), e.LicenceNo, e.LicenceValidUntil,
		e.LicensedAddress, e.OperatingAddress, e.LegalRep, e.Status}
}

func projectCells(p duban.Project) []string {
	return []string{p.Code, p.Name, p.Tenant, linesText(p.Lines), p.Builder, p.Contractor, p.Supervisor, strconv.FormatInt(p.ContractAmount, 10),
		p.StartsOn, p.EndsOn, p.Status}
}

func personCells(p duban.Person) []string {
	var cs []string
	for _, c := range p.Certificates {
		cs = append(cs, c.Kind+":"+c.Number+":"+c.ValidUntil)
	}
	role := choiceLabel(duban.PersonRoles, p.Role)
	return []string{p.Name, p.IDMasked, p.PhoneMasked, role, p.Employer, p.Tenant, linesText(p.Lines), strings.Join(cs, "；"), p.Status}
}

func workCells(w duban.DangerousWork) []string {
	over := "否"
	if w.OverScale {
		over = "是"
	}
	return []string{w.Project, w.Code, choiceLabel(duban.DangerousCategories, w.Category), over, w.Description, w.StartsOn, w.EndsOn}
}

func choiceLabel(cs []duban.Choice, id string) string {
	for _, c := range cs {
		if c.ID == id {
			return c.Label.ZH
		}
	}
	return id
}
