package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// TestSeedTemplatesHenan launches every seed template over Henan (17 cities,
// 181 counties) on the real stack, has every county submit its figures and
// checks the totals rolled up at each city and at the province; then the
// three lists of the rectification action, and a circular over the dual
// prevention campaign whose ranking and XLSX match the data.
func TestSeedTemplatesHenan(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	dir := s.app.Dir
	campaigns := map[string]string{}
	for _, tplID := range []string{"house-survey", "dual-prevention", "fireworks-holiday", "rectification-3y", "responsibility-letter"} {
		t.Run(tplID, func(t *testing.T) {
			tpl := duban.TemplateByID(tplID)
			body := map[string]any{"template": tplID, "title": tpl.Name.ZH, "scope": "41"}
			switch tplID {
			case "dual-prevention":
				body["options"] = map[string]any{"targets": map[string]any{"coverage": 0.9}}
			case "rectification-3y":
				body["options"] = map[string]any{"focus_areas": []string{"dangerous_large_works", "confined_space"}}
			}
			r := s.call("henan-planner", "POST", "/v1/campaigns", body)
			require.Equal(t, 201, r.Status, string(r.Raw))
			id := r.Body["id"].(string)
			campaigns[tplID] = id
			if tplID == "house-survey" {
				phases := r.Body["phases"].([]any)
				due, _ := time.Parse(time.RFC3339, phases[len(phases)-1].(map[string]any)["due_at"].(string))
				require.Equal(t, "06-30", due.In(time.FixedZone("CST", 8*3600)).Format("01-02"), "the hard deadline defaults to 30 June")
			}
			var counties [][3]string
			eventually(t, 2*time.Minute, func() bool {
				counties = s.listIDs("henan-planner", "/v1/assignments?campaign="+id+"&level=county")
				return len(counties) == 181
			}, "181 county assignments")
			form := tpl.Tasks[duban.LevelCounty].Form
			s.parallel(counties, func(aid, tenant, _ string) {
				code, _ := strconv.Atoi(tenant)
				s.expect(200, s.staffOf(tenant), "POST", "/v1/assignments/"+aid+"/submit", map[string]any{"report": form.SampleReport(code)})
			})
			// expected totals: the sum over the counties of each subtree
			want := func(root string) map[string]float64 {
				sum := map[string]float64{}
				for _, c := range counties {
					if dir.Within(c[1], root) {
						code, _ := strconv.Atoi(c[1])
						for k, v := range form.SampleReport(code) {
							if f, ok := v.(float64); ok {
								sum[k] += f
							}
						}
					}
				}
				if tpl.RegistryCoverage { // counted from the registry, empty here
					for _, k := range []string{"enterprises_in_scope", "enterprises_verified", "projects_in_scope", "projects_verified"} {
						sum[k] += 0
					}
				}
				return sum
			}
			p := s.call("henan-planner", "GET", "/v1/campaigns/"+id+"/progress", nil)
			require.Equal(t, 200, p.Status, string(p.Raw))
			prov := p.Body["tenant"].(map[string]any)
			require.Equal(t, float64(181), prov["reported"])
			requireTotals(t, want("41"), prov["totals"].(map[string]any), "province")
			children := p.Body["children"].([]any)
			require.Len(t, children, len(dir.Supervised("41")), "the cities and the directly supervised counties")
			for _, ch := range children {
				c := ch.(map[string]any)
				requireTotals(t, want(c["tenant"].(string)), c["totals"].(map[string]any), c["tenant"].(string))
			}
			city := s.call("zhengzhou-reviewer", "GET", "/v1/campaigns/"+id+"/progress?tenant=4101", nil)
			requireTotals(t, want("4101"), city.Body["tenant"].(map[string]any)["totals"].(map[string]any), "4101 as its reviewer sees it")
			if tplID == "dual-prevention" {
				// nothing registered yet: no coverage, not a coverage of 0
				require.Nil(t, prov["ratios"], "coverage with nothing in scope")
				require.Equal(t, 0.9, p.Body["targets"].(map[string]any)["coverage"])
			}
		})
	}

	t.Run("three lists", func(t *testing.T) {
		id := campaigns["rectification-3y"]
		path := "/v1/campaigns/" + id + "/list-items/410122/P-001"
		item := map[string]any{"list": "problems", "title": "深基坑专项方案未经专家论证", "owner": "县住建局", "due_on": "2027-03-31", "status": "open"}
		r := s.call("zhongmu-staff", "PUT", path, item)
		require.Equal(t, 200, r.Status, string(r.Raw))
		require.Equal(t, float64(1), r.Body["version"])
		item["status"], item["version"] = "done", 0
		r = s.call("zhongmu-staff", "PUT", path, item)
		require.Equal(t, 409, r.Status, "a stale version is refused: %s", r.Raw)
		item["version"] = 1
		s.expect(200, "zhongmu-staff", "PUT", path, item)
		s.expect(403, "lankao-staff", "PUT", "/v1/campaigns/"+id+"/list-items/410122/P-002", item)
		s.expect(422, "zhongmu-staff", "PUT", "/v1/campaigns/"+campaigns["house-survey"]+"/list-items/410122/P-001", item)
		bad := map[string]any{"list": "wishes", "title": "x", "owner": "x", "due_on": "2027-03-31", "status": "open"}
		s.expect(422, "zhongmu-staff", "PUT", path, bad)
		l := s.call("zhengzhou-reviewer", "GET", "/v1/campaigns/"+id+"/list-items?tenant=410122&history=true", nil)
		require.Equal(t, 200, l.Status, string(l.Raw))
		items := l.Body["items"].([]any)
		require.Len(t, items, 1)
		hist := items[0].(map[string]any)["history"].([]any)
		require.Len(t, hist, 2)
		require.Equal(t, "open", hist[0].(map[string]any)["item"].(map[string]any)["status"])
		require.Equal(t, "done", hist[1].(map[string]any)["item"].(map[string]any)["status"])
		require.Equal(t, float64(0), s.call("kaifeng-reviewer", "GET", "/v1/campaigns/"+id+"/list-items", nil).Body["total"], "Kaifeng sees none of Zhengzhou's items")
	})

	t.Run("circular", func(t *testing.T) {
		id := campaigns["dual-prevention"]
		// the registry behind the coverage: under each of Henan's cities and
		// directly supervised counties 1–3 grade-1 contractors, the first of
		// every other one verified
		reg := [][]string{{"统一社会信用代码", "企业名称", "类型", "登记地区代码", "资质"}}
		for i, code := range dir.Supervised("41") {
			for j := 0; j <= i%3; j++ {
				reg = append(reg, []string{creditCode((code + "00")[:6], i*10+j), fmt.Sprintf("总包%d-%d", i, j), "施工", code, "建筑工程施工总承包:一级"})
			}
		}
		r0 := s.call("henan-zhujian", "POST", "/v1/registry/import?kind=enterprises", multipartFile{name: "企业.xlsx", content: sheet(t, reg...)})
		require.Equal(t, 200, r0.Status, string(r0.Raw))
		require.EqualValues(t, len(reg)-1, r0.Body["created"])
		// serial i*10+j: j = 0 of an even i
		_, err := s.admin().Exec(context.Background(), `UPDATE enterprises SET dual_prevention = 'verified' WHERE substr(credit_code, 9, 9)::int % 20 = 0`)
		require.NoError(t, err)
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		r := s.call("henan-planner", "POST", "/v1/campaigns/"+id+"/circulars", map[string]any{"period_from": "2026-01-01", "period_to": today})
		require.Equal(t, 201, r.Status, string(r.Raw))
		cid := r.Body["id"].(string)
		require.Equal(t, "henan-planner", r.Body["signed_by"])
		require.Len(t, r.Body["digest"], 64)
		s.expect(403, "zhengzhou-reviewer", "POST", "/v1/campaigns/"+id+"/circulars", map[string]any{"tenant": "4101", "period_from": "2026-01-01", "period_to": today})
		s.expect(422, "henan-planner", "POST", "/v1/campaigns/"+id+"/circulars", map[string]any{"period_from": "2026-05-01", "period_to": "2026-04-01"})
		// the ranking follows the coverage of each city's counties (every report is in on time, none overdue)
		p := s.call("henan-planner", "GET", "/v1/campaigns/"+id+"/progress", nil)
		type cov struct {
			tenant string
			v      float64
		}
		var want []cov
		for _, ch := range p.Body["children"].([]any) {
			c := ch.(map[string]any)
			want = append(want, cov{c["tenant"].(string), c["ratios"].(map[string]any)["coverage"].(float64)})
		}
		sort.SliceStable(want, func(i, j int) bool {
			if want[i].v != want[j].v {
				return want[i].v > want[j].v
			}
			return want[i].tenant < want[j].tenant
		})
		rows := r.Body["rows"].([]any)
		require.Len(t, rows, len(want))
		// equal standing shares a rank (1, 2, 2, 4)
		rankOf := func(v float64) int {
			n := 1
			for _, o := range want {
				if o.v > v {
					n++
				}
			}
			return n
		}
		for i, w := range want {
			row := rows[i].(map[string]any)
			require.Equal(t, w.tenant, row["tenant"], "place %d", i+1)
			require.InDelta(t, w.v, row["coverage"], 1e-9)
			require.Equal(t, float64(rankOf(w.v)), row["rank"])
		}
		require.Equal(t, rows[0].(map[string]any)["tenant"], r.Body["best"].([]any)[0])
		require.Equal(t, rows[len(rows)-1].(map[string]any)["tenant"], r.Body["laggards"].([]any)[len(r.Body["laggards"].([]any))-1])

		x := s.call("henan-planner", "GET", "/v1/circulars/"+cid+"?format=xlsx", nil)
		require.Equal(t, 200, x.Status, string(x.Raw))
		f, err := excelize.OpenReader(bytes.NewReader(x.Raw))
		require.NoError(t, err, "the XLSX opens")
		all, err := f.GetRows("通报")
		require.NoError(t, err)
		// the head: title, issuer and period, whom it commends and criticises
		require.Equal(t, r.Body["title"], all[0][0])
		require.Equal(t, r.Body["number"], all[1][0])
		require.Contains(t, all[2][0], "发文单位：河南省 41")
		require.Contains(t, all[2][0], "通报期间：2026-01-01 至 "+today)
		require.True(t, strings.HasPrefix(all[3][0], "通报表扬："), all[3][0])
		require.Contains(t, all[4][0], "通报批评：")
		for _, l := range r.Body["laggards"].([]any) {
			require.Contains(t, all[4][0], l.(string))
		}
		top := 0
		for top < len(all) && (len(all[top]) == 0 || all[top][0] != "排名") {
			top++
		}
		sheet := all[top:]
		require.Equal(t, []string{"排名", "单位代码", "单位", "任务数", "按时报送数", "按时报送率", "完成率/覆盖率", "逾期数", "隐患销号数"}, sheet[0])
		require.Len(t, sheet, len(want)+1)
		for i, w := range want {
			require.Equal(t, strconv.Itoa(rankOf(w.v)), sheet[i+1][0])
			require.Equal(t, w.tenant, sheet[i+1][1])
			got, _ := strconv.ParseFloat(sheet[i+1][6], 64)
			require.InDelta(t, w.v, got, 0.0006)
		}
		c := s.call("henan-planner", "GET", "/v1/circulars/"+cid+"?format=csv", nil)
		require.Equal(t, 200, c.Status)
		require.Contains(t, string(c.Raw), "排名,单位代码")
		require.Equal(t, 404, s.call("hubei-planner", "GET", "/v1/circulars/"+cid, nil).Status)
		l := s.call("zhengzhou-reviewer", "GET", "/v1/campaigns/"+id+"/circulars", nil)
		named := false // a city reads a provincial circular only when it is named in it
		for _, n := range append(r.Body["best"].([]any), r.Body["laggards"].([]any)...) {
			named = named || n == "4101"
		}
		if named {
			require.Equal(t, float64(1), l.Body["total"], "the circular naming Zhengzhou is listed to it")
		} else {
			require.Equal(t, float64(0), l.Body["total"], "a provincial circular is not listed to a city it does not name")
		}
		l = s.call("henan-planner", "GET", "/v1/campaigns/"+id+"/circulars", nil)
		require.Equal(t, float64(1), l.Body["total"], string(l.Raw))
		require.Equal(t, cid, l.Body["items"].([]any)[0].(map[string]any)["id"])
		require.Equal(t, 0, s.countRows(`SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'duban_app' AND table_name = 'circulars' AND privilege_type IN ('UPDATE', 'DELETE')`), "circulars are immutable")
	})
}

func requireTotals(t *testing.T, want map[string]float64, got map[string]any, where string) {
	t.Helper()
	require.Len(t, got, len(want), "%s: %v", where, got)
	for k, v := range want {
		g, ok := got[k].(float64)
		require.True(t, ok, "%s: no total for %s", where, k)
		require.True(t, math.Abs(g-v) < 1e-6, fmt.Sprintf("%s: %s = %v, want %v", where, k, g, v))
	}
}
