package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/duban/duban/workflows"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/pdf"
	"github.com/xuri/excelize/v2"
)

// Authorization actions on circulars.
const (
	actCircularRead     = "circular.read"
	actCircularGenerate = "circular.generate"
)

// CircularRequest is the body of generate-circular.
type CircularRequest struct {
	Tenant     string `json:"tenant,omitempty" maxLength:"6" doc:"The issuing tenant (default: the campaign scope); its directly supervised tenants are ranked"`
	PeriodFrom string `json:"period_from" maxLength:"10" doc:"YYYY-MM-DD"`
	PeriodTo   string `json:"period_to" maxLength:"10" doc:"YYYY-MM-DD (inclusive); figures stand as at the end of this day"`
	Title      string `json:"title,omitempty" maxLength:"200"`
}

// circularHeaders are the column headers of the CSV and XLSX renderings.
var circularHeaders = []string{"排名", "单位代码", "单位", "任务数", "按时报送数", "按时报送率", "完成率/覆盖率", "逾期数", "隐患销号数"}

func (s *Server) registerCirculars(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "generate-circular", Method: http.MethodPost, Path: "/v1/campaigns/{id}/circulars", Tags: []string{"Circulars"},
		Summary:  "Issue a circular (通报) for a campaign and period: ranks the supervised tenants, names the best and the laggards, lists 挂牌督办 items; immutable, signed by the issuing planner",
		Security: bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"64"`
		Body CircularRequest
	}) (*struct{ Body duban.Circular }, error) {
		c, err := s.campaign(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		b := in.Body
		if b.Tenant == "" {
			b.Tenant = c.Scope
		}
		t := s.Dir.Get(b.Tenant)
		if t == nil || !s.Dir.Within(b.Tenant, c.Scope) {
			return nil, invalid("body.tenant", "must be a tenant inside the campaign scope", b.Tenant)
		}
		from, err := calendar.ParseDate(b.PeriodFrom)
		if err != nil {
			return nil, invalid("body.period_from", "must be a date YYYY-MM-DD", b.PeriodFrom)
		}
		to, err := calendar.ParseDate(b.PeriodTo)
		if err != nil {
			return nil, invalid("body.period_to", "must be a date YYYY-MM-DD", b.PeriodTo)
		}
		if to.Before(from) {
			return nil, invalid("body.period_to", "must not be before period_from", b.PeriodTo)
		}
		if !to.AddDays(-400).Before(from) {
			return nil, invalid("body.period_to", "a period is at most 400 days", b.PeriodTo)
		}
		if err := s.require(ctx, actCircularGenerate, b.Tenant, c.Lines...); err != nil {
			return nil, err
		}
		p := principal(ctx)
		scope := s.Authz.Scope(p, actCampaignRead)
		now := s.Now().UTC().Truncate(time.Second)
		asOf := to.At(0, 0).AddDate(0, 0, 1)
		if asOf.After(now) {
			asOf = now
		}
		var nodes []duban.Tenant
		for _, code := range s.Dir.Supervised(b.Tenant) {
			nodes = append(nodes, *s.Dir.Get(code))
		}
		prog, err := s.DB.CampaignProgress(ctx, scope, c.ID, c.Levels[len(c.Levels)-1], nodes, asOf)
		if err != nil {
			return nil, problem(err)
		}
		tpl := duban.TemplateByID(c.Template)
		if err := s.registryTotals(ctx, tpl, *s.Dir.Get(b.Tenant), prog); err != nil {
			return nil, err
		}
		title := strings.TrimSpace(b.Title)
		if title == "" {
			title = fmt.Sprintf("关于%s进展情况的通报（%s至%s）", c.Title, from, to)
		}
		out := &duban.Circular{ID: newID("n"), Campaign: c.ID, CampaignTitle: c.Title, Tenant: b.Tenant, IssuerName: s.name(b.Tenant), Title: title,
			PeriodFrom: from.String(), PeriodTo: to.String(), SignedBy: p.Login, SignedAt: now, Rows: []duban.CircularRow{}}
		paths := make([]string, len(nodes))
		for i, n := range nodes {
			paths[i] = n.Path
		}
		closed, err := s.DB.HazardsClosed(ctx, scope, c.ID, paths, from.At(0, 0), to.At(0, 0).AddDate(0, 0, 1))
		if err != nil {
			return nil, problem(err)
		}
		for i, pr := range prog {
			if pr.Total == 0 {
				continue
			}
			row := duban.CircularRow{Tenant: pr.Tenant, Name: pr.Name, Assignments: pr.Total, Due: pr.Due, OnTime: pr.OnTime, OnTimeRate: pr.OnTimeRate, Overdue: pr.Overdue,
				HazardsClosed: closed[i]}
			if r, ok := tpl.RatioValues(pr.Totals)["coverage"]; ok {
				row.Coverage = r
			} else if n := pr.Total - pr.Cancelled; n > 0 {
				row.Coverage = float64(pr.Approved+pr.SignedOff) / float64(n)
			}
			out.Rows = append(out.Rows, row)
		}
		out.Rank()
		if out.Listed, err = s.DB.ListedItems(ctx, scope, c.ID, t.Path); err != nil {
			return nil, problem(err)
		}
		if err := s.DB.InsertCircular(ctx, s.Authz.Scope(p, actCircularGenerate), out); err != nil {
			return nil, problem(err)
		}
		// delivered to every tenant it names (inbox and webhooks), durably;
		// each laggard gets a 重点督导 follow-up
		names := map[string]string{}
		for _, code := range out.Laggards {
			names[code] = s.name(code)
		}
		if err := s.Engine.Start(ctx, workflows.CircularWorkflowID(out.ID), workflows.CircularWorkflowName, workflows.CircularInput{
			Circular: out.ID, Campaign: c.ID, Title: out.Title, Issuer: out.Tenant, Best: out.Best, Laggards: out.Laggards,
			Lines: c.Lines, IssuerName: out.IssuerName, IssuerSupervisor: t.Supervisor, Names: names}); err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Circular }{*out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-circulars", Method: http.MethodGet, Path: "/v1/campaigns/{id}/circulars", Tags: []string{"Circulars"},
		Summary: "List a campaign's circulars issued in your subtree, newest first", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID    string `path:"id" maxLength:"64"`
		Limit int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"At most this many"`
	}) (*struct {
		Body Page[duban.CircularSummary]
	}, error) {
		c, err := s.campaign(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListCirculars(ctx, s.Authz.Scope(principal(ctx), actCircularRead), c.ID, in.Limit)
		if err != nil {
			return nil, problem(err)
		}
		if items == nil {
			items = []duban.CircularSummary{}
		}
		return &struct {
			Body Page[duban.CircularSummary]
		}{Page[duban.CircularSummary]{Items: items, Total: total}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-circular", Method: http.MethodGet, Path: "/v1/circulars/{id}", Tags: []string{"Circulars"},
		Summary:     "Get a circular as JSON, CSV, XLSX (Chinese headers) or PDF (the red-header document)",
		Description: "format=json (default) returns the circular; csv and xlsx return its head and the ranking table (xlsx adds a sheet of 挂牌督办 items); pdf the red-header document (红头文件) to print.",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" maxLength:"40"`
		Format string `query:"format" enum:"json,csv,xlsx,pdf" default:"json"`
	}) (*fileOut, error) {
		c, err := s.DB.GetCircular(ctx, s.Authz.Scope(principal(ctx), actCircularRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		out := &fileOut{}
		switch in.Format {
		case "csv":
			out.ContentType, out.ContentDisposition = "text/csv; charset=utf-8", `attachment; filename="`+c.ID+`.csv"`
			out.Body = circularCSV(c, s.name(c.Tenant))
		case "pdf":
			out.ContentType, out.ContentDisposition = "application/pdf", `attachment; filename="`+c.ID+`.pdf"`
			out.Body = circularPDF(c, s.name(c.Tenant))
		case "xlsx":
			out.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			out.ContentDisposition = `attachment; filename="` + c.ID + `.xlsx"`
			if out.Body, err = circularXLSX(c, s.name(c.Tenant)); err != nil {
				return nil, problem(err)
			}
		default:
			out.ContentType = "application/json"
			out.Body, _ = json.Marshal(c)
		}
		return out, nil
	})
}

func circularCells(r duban.CircularRow) []any {
	if r.NothingDue { // nothing was due: no rank, no rate — never a 100 %
		return []any{"—", r.Tenant, r.Name, r.Assignments, r.OnTime, "无应报任务", round3(r.Coverage), r.Overdue, r.HazardsClosed}
	}
	return []any{r.Rank, r.Tenant, r.Name, r.Assignments, r.OnTime, round3(r.OnTimeRate), round3(r.Coverage), r.Overdue, r.HazardsClosed}
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// circularHead is what heads a circular's table in its exports: the title,
// issuer, signer, date and period, whom it commends and criticises, and how
// many items are under listed supervision; then a blank line.
func circularHead(c *duban.Circular, issuer string) [][]string {
	names := map[string]string{}
	for _, r := range c.Rows {
		names[r.Tenant] = r.Name + " " + r.Tenant
	}
	list := func(codes []string) string {
		if len(codes) == 0 {
			return "无"
		}
		out := make([]string, len(codes))
		for i, code := range codes {
			out[i] = names[code]
		}
		return strings.Join(out, "、")
	}
	return [][]string{
		{c.Title},
		{c.Number},
		{"发文单位：" + strings.TrimSpace(issuer+" "+c.Tenant) + "　签发：" + c.SignedBy + "　日期：" + c.SignedAt.In(duban.Shanghai).Format("2006-01-02") +
			"　通报期间：" + c.PeriodFrom + " 至 " + c.PeriodTo},
		{"通报表扬：" + list(c.Best)},
		{"通报批评：" + list(c.Laggards)},
		{fmt.Sprintf("挂牌督办事项：%d 项（见“挂牌督办”表）", len(c.Listed))},
		{},
	}
}

func circularCSV(c *duban.Circular, issuer string) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // a BOM, so spreadsheet programs read UTF-8
	w := csv.NewWriter(&buf)
	for _, l := range circularHead(c, issuer) {
		_ = w.Write(l)
	}
	_ = w.Write(circularHeaders)
	for _, r := range c.Rows {
		cells := circularCells(r)
		rec := make([]string, len(cells))
		for i, v := range cells {
			rec[i] = fmt.Sprint(v)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

func circularXLSX(c *duban.Circular, issuer string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "通报"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	row := func(sh string, n int, vals []any) error {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return f.SetSheetRow(sh, cell, &vals)
	}
	head := circularHead(c, issuer)
	for i, l := range head {
		vals := make([]any, len(l))
		for j, v := range l {
			vals[j] = v
		}
		if err := row(sheet, i+1, vals); err != nil {
			return nil, err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(circularHeaders))
	_ = f.MergeCell(sheet, "A1", last+"1")
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Color: "#C00000"}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	_ = f.SetCellStyle(sheet, "A1", "A1", title)
	hdr := make([]any, len(circularHeaders))
	for i, h := range circularHeaders {
		hdr[i] = h
	}
	top := len(head) + 1 // the table's header row
	if err := row(sheet, top, hdr); err != nil {
		return nil, err
	}
	for i, r := range c.Rows {
		if err := row(sheet, top+1+i, circularCells(r)); err != nil {
			return nil, err
		}
	}
	const listed = "挂牌督办"
	if _, err := f.NewSheet(listed); err != nil {
		return nil, err
	}
	if err := row(listed, 1, []any{"类别", "编号", "单位代码", "事项"}); err != nil {
		return nil, err
	}
	for i, it := range c.Listed {
		kind := "任务"
		if it.Kind == "hazard" {
			kind = "隐患"
		}
		if err := row(listed, i+2, []any{kind, it.ID, it.Tenant, it.Title}); err != nil {
			return nil, err
		}
	}
	_ = f.SetDocProps(&excelize.DocProperties{Title: c.Title, Creator: c.SignedBy, Description: "digest " + c.Digest})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// circularPDF sets a circular as the red-header document offices print
// (GB/T 9704): the issuer's mark in red, the 文号, the red rule, the title,
// the body naming whom it commends and criticises, the ranking table, the
// issuer and the date.
func circularPDF(c *duban.Circular, issuer string) []byte {
	d := pdf.New()
	mark := issuer + "督办通报"
	size := min(36, 156*72/25.4/pdf.Width(mark, 1))
	d.Text(mark, pdf.Style{Size: size, Red: true, Bold: true, Align: "center", Lead: 1.3})
	d.Space(10)
	d.Text(c.Number, pdf.Style{Size: 15, Align: "center"})
	d.Rule(2, true)
	d.Space(12)
	d.Text(c.Title, pdf.Style{Size: 21, Bold: true, Align: "center", Lead: 1.5})
	d.Space(8)
	body := pdf.Style{Size: 14, Indent: 2}
	names := map[string]string{}
	for _, r := range c.Rows {
		names[r.Tenant] = r.Name
	}
	list := func(codes []string) string {
		if len(codes) == 0 {
			return "无"
		}
		out := make([]string, len(codes))
		for i, code := range codes {
			out[i] = names[code] + "（" + code + "）"
		}
		return strings.Join(out, "、")
	}
	d.Text("各有关单位：", pdf.Style{Size: 14})
	d.Text(fmt.Sprintf("现将%s至%s“%s”工作进展情况通报如下。", c.PeriodFrom, c.PeriodTo, c.CampaignTitle), body)
	d.Text("一、通报表扬。"+list(c.Best)+"工作推进有力，予以通报表扬。", body)
	d.Text(fmt.Sprintf("二、通报批评。%s工作推进相对滞后，予以通报批评。请被通报批评的单位对照问题认真整改，于%d个工作日内将整改情况报%s。",
		list(c.Laggards), workflows.FocusWorkdays, issuer), body)
	d.Text(fmt.Sprintf("三、挂牌督办。本期挂牌督办事项 %d 项，请有关单位按期办结。", len(c.Listed)), body)
	d.Text("四、排名情况（见下表；无应报任务的单位不参与排名）。", body)
	d.Space(6)
	rows := make([][]string, 0, len(c.Rows))
	for _, r := range c.Rows {
		rank, rate := fmt.Sprint(r.Rank), fmt.Sprintf("%.1f%%", 100*r.OnTimeRate)
		if r.NothingDue {
			rank, rate = "—", "无应报任务"
		}
		rows = append(rows, []string{rank, r.Name + " " + r.Tenant, fmt.Sprint(r.Assignments), rate, fmt.Sprintf("%.1f%%", 100*r.Coverage), fmt.Sprint(r.Overdue), fmt.Sprint(r.HazardsClosed)})
	}
	d.Table([]string{"排名", "单位", "任务数", "按时报送率", "完成率", "逾期", "隐患销号"}, rows, []float64{0.09, 0.31, 0.1, 0.16, 0.12, 0.1, 0.12}, 11)
	d.Space(30)
	d.Text(issuer, pdf.Style{Size: 14, Align: "right"})
	at := c.SignedAt.In(duban.Shanghai)
	d.Text(fmt.Sprintf("%d年%d月%d日", at.Year(), int(at.Month()), at.Day()), pdf.Style{Size: 14, Align: "right"})
	return d.Bytes(c.Title)
}
