package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/load"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"
)

// registrySize is the realistic province of issue #14: Henan's registry.
var registrySize = struct{ enterprises, projects, works, people int }{50_000, 100_000, 30_000, 200_000}

// benchRegistry fills Henan's registry through the import path (XLSX files
// of 20,000 rows posted to import-registry, as offices would), reporting
// time and memory per kind, then measures search by name and list by
// subtree against the same SQL through bare pgx, and the province's
// coverage. Deterministic by seed (DUBAN_BENCH_SEED, default 14).
func benchRegistry(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	size := registrySize
	if s := envInt("DUBAN_BENCH_REGISTRY_SCALE_PCT", 100); s != 100 {
		size.enterprises, size.projects, size.works, size.people = size.enterprises*s/100, size.projects*s/100, size.works*s/100, size.people*s/100
	}
	rng := rand.New(rand.NewPCG(uint64(envInt("DUBAN_BENCH_SEED", 14)), 14))
	var places []duban.Tenant // Henan's cities and counties
	var walk func(code string)
	walk = func(code string) {
		for _, c := range b.app.Dir.Supervised(code) {
			places = append(places, *b.app.Dir.Get(c))
			walk(c)
		}
	}
	walk("41")
	sort.Slice(places, func(i, j int) bool { return places[i].Code < places[j].Code })
	login := "henan-zhujian" // the provincial housing department, construction line
	var res []BenchResult

	// enterprises: contractors of every grade, registered across Henan
	ent := make([][]string, size.enterprises)
	codes := make([]string, size.enterprises)
	grades := []string{"特级", "一级", "二级", "二级", "三级", "三级", "三级"}
	for i := range ent {
		t := places[rng.IntN(len(places))]
		div := (t.Code + "00")[:6]
		c := fmt.Sprintf("91%s%09d", div, i)
		codes[i] = c + string(duban.CreditCodeCheck(c))
		ent[i] = []string{codes[i], enterpriseName(rng, t.Name), "施工", t.Code, "住建", "建筑工程施工总承包:" + grades[rng.IntN(len(grades))],
			"", "", "", "", "", "正常"}
	}
	r, err := b.importRows(ctx, login, "enterprises", []string{"统一社会信用代码", "企业名称", "类型", "登记地区代码", "条线", "资质", "许可证号",
		"许可证有效期至", "证载地址", "实际经营地址", "法定代表人", "状态"}, ent)
	if err != nil {
		return nil, err
	}
	res = append(res, r...)

	// projects, each with a contractor from its province
	proj := make([][]string, size.projects)
	pcodes := make([]string, size.projects)
	for i := range proj {
		t := places[rng.IntN(len(places))]
		pcodes[i] = fmt.Sprintf("P%s%08d", t.Code, i)
		amount := int64(math10(rng)) // 1 million to 1 billion CNY, log-uniform
		proj[i] = []string{pcodes[i], t.Name + []string{"安置房", "学校", "医院", "道路", "商业综合体", "产业园"}[rng.IntN(6)] + strconv.Itoa(i) + "期工程",
			t.Code, "住建", "", codes[rng.IntN(len(codes))], "", strconv.FormatInt(amount, 10), "2026-03-01", "2028-12-31", "在建"}
	}
	r, err = b.importRows(ctx, login, "projects", []string{"项目编号", "项目名称", "所在地区代码", "条线", "建设单位信用代码", "施工总承包单位信用代码",
		"监理单位信用代码", "单项合同额（元）", "开工日期", "竣工日期", "状态"}, proj)
	if err != nil {
		return nil, err
	}
	res = append(res, r...)

	// people with sealed ID numbers
	people := make([][]string, size.people)
	roles := []string{"项目经理", "专职安全生产管理人员", "项目技术负责人", "总监理工程师"}
	for i := range people {
		t := places[rng.IntN(len(places))]
		people[i] = []string{surname(rng) + "工" + strconv.Itoa(i%1000), idNumber((t.Code + "00")[:6], i), roles[rng.IntN(len(roles))],
			codes[rng.IntN(len(codes))], t.Code, "住建"}
	}
	r, err = b.importRows(ctx, login, "personnel", []string{"姓名", "身份证号", "岗位", "单位信用代码", "所在地区代码", "条线"}, people)
	if err != nil {
		return nil, err
	}
	res = append(res, r...)

	// dangerous works: each a workflow through its four gates
	// (DUBAN_BENCH_REGISTRY_WORKS overrides their number: the reads below
	// do not depend on them, and 30,000 workflow starts take minutes)
	size.works = envInt("DUBAN_BENCH_REGISTRY_WORKS", size.works)
	cats := []string{"基坑工程", "模板工程及支撑体系", "起重吊装及起重机械安装拆卸工程", "脚手架工程"}
	works := make([][]string, size.works)
	for i := range works {
		over := "否"
		if rng.IntN(4) == 0 {
			over = "是"
		}
		works[i] = []string{pcodes[rng.IntN(len(pcodes))], "W" + strconv.Itoa(i), cats[rng.IntN(len(cats))], over, "危大工程", "2027-06-01", "2027-12-31"}
	}
	r, err = b.importRows(ctx, login, "dangerous_works", []string{"项目编号", "工程编号", "类别", "超过一定规模", "工程概况", "计划开始日期", "计划完成日期"}, works)
	if err != nil {
		return nil, err
	}
	res = append(res, r...)

	// a fifth of the enterprises and projects verified (as reviewers would
	// record them one by one), for a coverage worth computing
	owner, err := pgx.Connect(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	for _, q := range []string{`UPDATE enterprises SET dual_prevention = 'verified' WHERE right(credit_code, 2) < '2'`,
		`UPDATE projects SET dual_prevention = 'verified' WHERE right(code, 1) IN ('0', '5')`} {
		if _, err := owner.Exec(ctx, q); err != nil {
			return nil, err
		}
	}
	owner.Close(ctx)

	// reads: the API against the same SQL through bare pgx
	p, err := b.app.DB.Principal(ctx, login)
	if err != nil {
		return nil, err
	}
	scope := b.app.Authz.Scope(p, "registry.read")
	zz := b.app.Dir.Get("4101").Path
	query := "嵩山建" // three characters of many names: the trigram index serves it
	// the limit: the same page read by the table owner (no row-level
	// security), no total, keyset order on the primary key
	limit, err := pgxpool.New(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	defer limit.Close()
	reads := []struct {
		name, path string
		filter     duban.RegistryFilter
		limitSQL   string
		limitArg   any
	}{
		{"list-enterprises q=" + query + " (name substring)", "/v1/enterprises?limit=50&q=" + url.QueryEscape(query), duban.RegistryFilter{Query: query, Limit: 50},
			`SELECT doc FROM enterprises WHERE name ILIKE duban_like($1) ORDER BY credit_code LIMIT 50`, query},
		{"list-enterprises tenant=4101 (subtree)", "/v1/enterprises?limit=50&tenant=4101", duban.RegistryFilter{Within: zz, Limit: 50},
			`SELECT doc FROM enterprises WHERE tenant_path <@ $1::ltree ORDER BY credit_code LIMIT 50`, zz},
		{"list-projects tenant=4101 (subtree)", "/v1/projects?limit=50&tenant=4101", duban.RegistryFilter{Within: zz, Limit: 50},
			`SELECT doc FROM projects WHERE tenant_path <@ $1::ltree ORDER BY code LIMIT 50`, zz},
	}
	tok := b.token(login)
	for _, rd := range reads {
		f := rd.filter
		kind := rd.path[4:12]
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var items any
			var total int
			var err error
			if kind == "enterpri" {
				items, total, err = b.app.DB.ListEnterprises(r.Context(), scope, f)
			} else {
				items, total, err = b.app.DB.ListProjects(r.Context(), scope, f)
			}
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"items": items, "total": total})
		}))
		for _, clients := range []int{1, 8} {
			api := loadRun(ctx, clients, 4*time.Second, func(c *http.Client) (int, error) {
				return load.DoStatus(ctx, c, tok, "GET", b.srv.URL+rd.path, nil)
			})
			base := loadRun(ctx, clients, 4*time.Second, func(c *http.Client) (int, error) {
				return load.DoStatus(ctx, c, "", "GET", bare.URL, nil)
			})
			if api.bad > 0 || base.bad > 0 {
				bare.Close()
				return nil, fmt.Errorf("%s: %d failed reads", rd.name, api.bad+base.bad)
			}
			res = append(res,
				BenchResult{Name: fmt.Sprintf("%s, %d clients: p50", rd.name, clients), Value: ms(api.p50), Baseline: ms(base.p50), Unit: "ms", Note: "baseline: same SQL, bare pgx"},
				BenchResult{Name: fmt.Sprintf("%s, %d clients: p99", rd.name, clients), Value: ms(api.p99), Baseline: ms(base.p99), Unit: "ms"})
		}
		bare.Close()
		var lat []time.Duration
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
			t0 := time.Now()
			rows, err := limit.Query(ctx, rd.limitSQL, rd.limitArg)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
			}
			rows.Close()
			lat = append(lat, time.Since(t0))
		}
		res = append(res, BenchResult{Name: rd.name + ", the limit: p50", Value: ms(load.Percentile(lat, 50)), Unit: "ms",
			Note: "the same page as the owner: no row-level security, no total, keyset on the primary key"})
	}

	// the province's coverage, computed from the registry
	var times []time.Duration
	var cov struct {
		Tenant duban.Coverage `json:"tenant"`
	}
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		if err := b.get(ctx, login, "/v1/registry/coverage?tenant=41", &cov); err != nil {
			return nil, err
		}
		times = append(times, time.Since(t0))
	}
	res = append(res, BenchResult{Name: "get-registry-coverage tenant=41 (median of 5)", Value: ms(median(times)), Unit: "ms",
		Note: fmt.Sprintf("%d enterprises and %d projects in scope", cov.Tenant.EnterprisesInScope, cov.Tenant.ProjectsInScope)})
	sizes, err := tableBytes(ctx, b.pg.AdminURL("duban"), "enterprises", "projects", "personnel", "dangerous_works", "registry_events")
	if err == nil {
		var tot int64
		for _, v := range sizes {
			tot += v
		}
		res = append(res, BenchResult{Name: "registry tables with indexes", Value: float64(tot) / (1 << 20), Unit: "MiB",
			Note: fmt.Sprintf("enterprises %d, projects %d, personnel %d, dangerous works %d MiB", sizes["enterprises"]>>20, sizes["projects"]>>20, sizes["personnel"]>>20, sizes["dangerous_works"]>>20)})
	}
	return res, nil
}

// importRows posts rows in files of api.MaxImportRows through
// import-registry and reports the rate and the memory it took.
func (b *benchStack) importRows(ctx context.Context, login, kind string, header []string, rows [][]string) ([]BenchResult, error) {
	const per = 20000
	var build, post time.Duration
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	created := 0
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		t0 := time.Now()
		file, err := xlsxOf(header, rows[start:end])
		if err != nil {
			return nil, err
		}
		build += time.Since(t0)
		t0 = time.Now()
		var out struct {
			Created, Unchanged int
			Errors             []duban.RowError
		}
		if err := b.postFile(ctx, login, "/v1/registry/import?kind="+kind, file, &out); err != nil {
			return nil, fmt.Errorf("import %s rows %d–%d: %w", kind, start+2, end+1, err)
		}
		post += time.Since(t0)
		created += out.Created
	}
	if created != len(rows) {
		return nil, fmt.Errorf("import %s: %d created of %d", kind, created, len(rows))
	}
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	return []BenchResult{
		{Name: fmt.Sprintf("import-registry %s: %d rows", kind, len(rows)), Value: float64(len(rows)) / post.Seconds(), Unit: "rows/s",
			Note: fmt.Sprintf("%.1f s posting files of %d rows (%.1f s building them); peak RSS %d MiB, %d MiB allocated", post.Seconds(), per, build.Seconds(),
				peakRSS()>>20, (ms1.TotalAlloc-ms0.TotalAlloc)>>20)},
	}, nil
}

func (b *benchStack) postFile(ctx context.Context, login, path string, file []byte, out any) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", "import.xlsx")
	_, _ = fw.Write(file)
	_ = w.Close()
	req, _ := http.NewRequestWithContext(ctx, "POST", b.srv.URL+path, &buf)
	req.Header.Set("Authorization", "Bearer "+b.token(login))
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := (&http.Client{Timeout: 30 * time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		if len(body) > 600 {
			body = body[:600]
		}
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return json.Unmarshal(body, out)
}

// xlsxOf writes rows under a header with excelize's stream writer.
func xlsxOf(header []string, rows [][]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	cells := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	if err := sw.SetRow("A1", cells(header)); err != nil {
		return nil, err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells(r)); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var nameWords = []string{"中原", "华豫", "黄河", "嵩山", "伏牛", "中州", "天中", "商都", "宛城", "豫建", "鼎诚", "宏基", "恒达", "永固", "金盾", "安泰", "众邦", "润华"}

// enterpriseName is a contractor's name as Henan's look.
func enterpriseName(rng *rand.Rand, _ string) string {
	return nameWords[rng.IntN(len(nameWords))] + nameWords[rng.IntN(len(nameWords))] + []string{"建设", "建工", "建筑"}[rng.IntN(3)] +
		[]string{"集团有限公司", "工程有限公司", "股份有限公司"}[rng.IntN(3)]
}

func surname(rng *rand.Rand) string {
	return string([]rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")[rng.IntN(20)])
}

// idNumber is the n-th of distinct valid resident ID numbers (GB 11643
// check digit): a birth date per thousand, a sequence within it.
func idNumber(division string, n int) string {
	birth := time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (n/1000)*53)
	s := fmt.Sprintf("%s%s%03d", division, birth.Format("20060102"), n%1000)
	return s + string(duban.IDNumberCheck(s))
}

// math10 is a contract amount, log-uniform between 10^6 and 10^9 CNY.
func math10(rng *rand.Rand) float64 {
	e := 6 + 3*rng.Float64()
	v := 1.0
	for i := 0; i < int(e); i++ {
		v *= 10
	}
	return v * (1 + 9*(e-float64(int(e))))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
