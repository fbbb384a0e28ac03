package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/internal/load"
	"github.com/duban/duban/internal/seed"
	"github.com/duban/duban/postgres"
	"github.com/duban/duban/workflows"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// benchStack is the whole system in this process, on a throwaway
// PostgreSQL and an in-memory Temporal dev server.
type benchStack struct {
	dir    string
	pg     *devstack.Postgres
	tmp    *devstack.Temporal
	app    *app.App
	srv    *httptest.Server
	signer *api.DevSigner
	tokens map[string]string
	mu     sync.Mutex
}

func startBench(ctx context.Context, out io.Writer) (*benchStack, error) {
	dir, err := os.MkdirTemp("", "duban-bench-")
	if err != nil {
		return nil, err
	}
	_ = os.Chmod(dir, 0o755)
	b := &benchStack{dir: dir, tokens: map[string]string{}}
	// DUBAN_BENCH_DATA keeps PostgreSQL's data directory there across runs
	// (the volume bench fills it once and measures it with later builds)
	pgDir := filepath.Join(dir, "pg")
	if kept := os.Getenv("DUBAN_BENCH_DATA"); kept != "" {
		pgDir = kept
	}
	if b.pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: pgDir}); err != nil {
		return nil, err
	}
	appURL, err := app.PrepareLocal(ctx, b.pg, "duban_bench_app")
	if err != nil {
		return nil, err
	}
	// DUBAN_BENCH_TEMPORAL points the bench at a running Temporal (the
	// cluster of `duban-bench cluster`); else it starts a dev server
	temporalAddr := os.Getenv("DUBAN_BENCH_TEMPORAL")
	if temporalAddr == "" {
		root := devstack.ModuleRoot()
		bin, err := devstack.TemporalBinary(ctx, filepath.Join(root, ".duban", "bin"), out)
		if err != nil {
			return nil, err
		}
		if b.tmp, err = devstack.StartTemporal(ctx, devstack.TemporalOptions{Binary: bin}); err != nil {
			return nil, err
		}
		temporalAddr = b.tmp.FrontendHostPort()
	}
	// no rate limit: measure the system, not the limiter; a task queue of
	// its own, so that a cluster's other workers take none of its tasks
	sticky, _ := strconv.Atoi(os.Getenv("DUBAN_STICKY_CACHE"))
	if b.app, err = app.Open(ctx, app.Config{DatabaseURL: appURL, TemporalAddress: temporalAddr, StickyCacheSize: sticky,
		TaskQueue: "duban-bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)}); err != nil {
		return nil, err
	}
	if err := seed.Apply(ctx, b.app.DB); err != nil {
		return nil, err
	}
	_ = b.app.DB.CreateUser(ctx, duban.SystemScope, &duban.User{Login: "nation-planner", Name: "国家规划", Tenant: "000000"})
	_ = b.app.DB.GrantRole(ctx, duban.SystemScope, &duban.RoleBinding{User: "nation-planner", Role: duban.RolePlanner, Tenant: "000000"})
	if err := b.app.Authz.Reload(); err != nil {
		return nil, err
	}
	w := b.app.NewWorker()
	w.RegisterWorkflowWithOptions(emptyTree, workflow.RegisterOptions{Name: "EmptyTree"})
	w.RegisterWorkflowWithOptions(noopUpdates, workflow.RegisterOptions{Name: "NoopUpdates"})
	if err := b.app.StartWorker(w); err != nil {
		return nil, err
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	b.signer = &api.DevSigner{Key: key, Issuer: "bench", Audience: "duban", TTL: 2 * time.Hour}
	b.srv = httptest.NewServer(b.app.Server(b.signer.Verifier(), nil).Handler())
	return b, nil
}

func (b *benchStack) Close() {
	if b.srv != nil {
		b.srv.Close()
	}
	if b.app != nil {
		b.app.Close()
	}
	if b.tmp != nil {
		_ = b.tmp.Stop()
	}
	if b.pg != nil {
		_ = b.pg.Stop()
	}
	_ = os.RemoveAll(b.dir)
}

func (b *benchStack) token(login string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t, ok := b.tokens[login]; ok {
		return t
	}
	t, _ := b.signer.Sign(login, time.Now())
	b.tokens[login] = t
	return t
}

func (b *benchStack) get(ctx context.Context, login, path string, out any) error {
	return load.DoJSON(ctx, http.DefaultClient, b.token(login), "GET", b.srv.URL+path, nil, out)
}

// treeNode is the shape of the campaign tree for the baseline.
type treeNode struct {
	Code     string
	Children []treeNode
}

// emptyTree is the fan-out baseline: a workflow that only starts one child
// per node of its subtree and waits for them.
func emptyTree(ctx workflow.Context, n treeNode) error {
	var fs []workflow.ChildWorkflowFuture
	for _, c := range n.Children {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID + "/" + c.Code})
		fs = append(fs, workflow.ExecuteChildWorkflow(cctx, "EmptyTree", c))
	}
	for _, f := range fs {
		if err := f.Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// noopUpdates is the update baseline: an update handler that does nothing.
func noopUpdates(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandler(ctx, "noop", func(ctx workflow.Context, v int) (int, error) { return v, nil }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return false })
}

// buildTree mirrors what the campaign engine plans: supervised children
// that are targets or lead to targets.
func buildTree(dir *duban.Directory, code string, levels map[duban.Level]bool) treeNode {
	n := treeNode{Code: code}
	for _, c := range dir.Supervised(code) {
		child := buildTree(dir, c, levels)
		if levels[dir.Get(c).Level] || len(child.Children) > 0 {
			n.Children = append(n.Children, child)
		}
	}
	return n
}

func countTree(n treeNode) int {
	c := 0
	for _, ch := range n.Children {
		c += 1 + countTree(ch)
	}
	return c
}

// BenchResult is one measured figure and its baseline.
type BenchResult struct {
	Name     string
	Value    float64
	Baseline float64
	Unit     string
	Note     string
}

func (r BenchResult) String() string {
	ratio := ""
	if r.Baseline > 0 {
		ratio = fmt.Sprintf("  ratio %.2f×", r.Value/r.Baseline)
	}
	return fmt.Sprintf("%-44s %10.2f %-6s baseline %10.2f%s  %s", r.Name, r.Value, r.Unit, r.Baseline, ratio, r.Note)
}

// benchFanout: a national campaign (provinces, cities, counties) until every
// assignment is visible through list-assignments, against starting the
// same tree of empty workflows with the SDK.
func benchFanout(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	levels := map[duban.Level]bool{duban.LevelProvince: true, duban.LevelCity: true, duban.LevelCounty: true}
	tree := buildTree(b.app.Dir, duban.RootCode, levels)
	n := countTree(tree)
	// baseline first
	t0 := time.Now()
	run, err := b.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "baseline/" + strconv.FormatInt(time.Now().UnixNano(), 36),
		TaskQueue: b.app.Config.TaskQueue}, "EmptyTree", tree)
	if err != nil {
		return nil, err
	}
	if err := run.Get(ctx, nil); err != nil {
		return nil, err
	}
	base := time.Since(t0)
	// the engine
	t0 = time.Now()
	var camp struct{ ID string }
	if err := load.DoJSON(ctx, http.DefaultClient, b.token("nation-planner"), "POST", b.srv.URL+"/v1/campaigns", map[string]any{"template": "generic",
		"title": "全国基准", "scope": "000000", "levels": []string{"province", "city", "county"}}, &camp); err != nil {
		return nil, err
	}
	for {
		var page struct{ Total int }
		if err := b.get(ctx, "nation-planner", "/v1/assignments?campaign="+camp.ID+"&limit=1", &page); err != nil {
			return nil, err
		}
		if page.Total == n {
			break
		}
		if time.Since(t0) > 10*time.Minute {
			return nil, fmt.Errorf("fan-out incomplete after 10 minutes: %d of %d", page.Total, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(t0)
	// history sizes: the root and every province node
	maxEvents, where := int64(0), ""
	ids := []string{workflows.RootID(camp.ID)}
	for _, p := range tree.Children {
		ids = append(ids, workflows.NodeID(camp.ID, p.Code))
	}
	for _, id := range ids {
		d, err := b.app.Temporal.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return nil, err
		}
		if l := d.WorkflowExecutionInfo.GetHistoryLength(); l > maxEvents {
			maxEvents, where = l, id
		}
	}
	// the read model's size per assignment right after the fan-out (each
	// assignment assigned once: one row, one event, one audit event, its notices)
	sizes, err := tableBytes(ctx, b.pg.AdminURL("duban"), "assignments", "assignment_events", "audit_events", "notifications")
	if err != nil {
		return nil, err
	}
	var total int64
	var parts []string
	for _, t := range []string{"assignments", "assignment_events", "audit_events", "notifications"} {
		total += sizes[t]
		parts = append(parts, fmt.Sprintf("%s %.0f", t, float64(sizes[t])/float64(n)))
	}
	return []BenchResult{
		{Name: "read model bytes per assigned assignment", Value: float64(total) / float64(n), Unit: "B",
			Note: "tables + indexes + TOAST: " + strings.Join(parts, ", ")},
		{Name: fmt.Sprintf("national fan-out (%d assignments)", n), Value: took.Seconds(), Baseline: base.Seconds(), Unit: "s", Note: "baseline: same tree of empty workflows via the SDK"},
		{Name: "largest node history", Value: float64(maxEvents), Unit: "events", Note: where + " (Temporal's limit: 51,200 events)"},
		{Name: "peak RSS of the process (API+worker)", Value: float64(peakRSS()) / (1 << 20), Unit: "MiB", Note: "VmHWM"},
	}, nil
}

// benchTownships: the scale probe — the same tree shape down to the
// 41,352 townships of the shared data, as empty workflows (the tenant tree
// stops at counties).
func benchTownships(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	f, err := os.Open(filepath.Join(devstack.ModuleRoot(), "..", "shared", "data", "divisions", "streets.csv"))
	if err != nil {
		return nil, fmt.Errorf("the township probe reads ../shared/data/divisions/streets.csv: %w", err)
	}
	defer f.Close()
	raw, _ := io.ReadAll(f)
	byCounty := map[string][]treeNode{}
	lines := strings.Split(string(raw), "\n")
	for _, l := range lines[1:] {
		fs := strings.Split(l, ",")
		if len(fs) >= 3 {
			byCounty[fs[2]] = append(byCounty[fs[2]], treeNode{Code: fs[0]})
		}
	}
	levels := map[duban.Level]bool{duban.LevelCounty: true}
	tree := buildTree(b.app.Dir, duban.RootCode, levels)
	var attach func(n *treeNode)
	attach = func(n *treeNode) {
		for i := range n.Children {
			attach(&n.Children[i])
		}
		if ts, ok := byCounty[n.Code]; ok {
			n.Children = append(n.Children, ts...)
		}
	}
	attach(&tree)
	n := countTree(tree)
	t0 := time.Now()
	id := "townships/" + strconv.FormatInt(time.Now().UnixNano(), 36)
	run, err := b.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: b.app.Config.TaskQueue}, "EmptyTree", tree)
	if err != nil {
		return nil, err
	}
	if err := run.Get(ctx, nil); err != nil {
		return nil, err
	}
	took := time.Since(t0)
	d, err := b.app.Temporal.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return nil, err
	}
	return []BenchResult{{Name: fmt.Sprintf("township probe (%d workflows)", n), Value: took.Seconds(), Unit: "s",
		Note: fmt.Sprintf("root history %d events", d.WorkflowExecutionInfo.GetHistoryLength())}}, nil
}

// benchReads: list-assignments for a city reviewer (a page of 50 of its
// subtree) at 1, 8 and 32 clients, against the same SQL behind a bare
// net/http handler in this process.
func benchReads(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	// enough assignments under Zhengzhou for a full page
	for i := 0; i < 4; i++ {
		var camp struct{ ID string }
		if err := load.DoJSON(ctx, http.DefaultClient, b.token("henan-planner"), "POST", b.srv.URL+"/v1/campaigns", map[string]any{"template": "generic",
			"title": fmt.Sprintf("读基准%d", i), "scope": "41", "levels": []string{"city", "county"}, "targets": []string{"4101"}}, &camp); err != nil {
			return nil, err
		}
	}
	want := 4 * (1 + len(b.app.Dir.Supervised("4101")))
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var page struct{ Total int }
		if err := b.get(ctx, "zhengzhou-reviewer", "/v1/assignments?tenant=4101&limit=1", &page); err != nil {
			return nil, err
		}
		if page.Total >= want {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("assignments for the read benchmark did not appear")
		}
	}
	scope := []string{b.app.Dir.Get("4101").Path}
	bare := b.bareAssignments(scope, duban.AssignmentFilter{Within: "4101", Limit: 50})
	defer bare.Close()
	var res []BenchResult
	tok := b.token("zhengzhou-reviewer")
	for _, clients := range []int{1, 8, 32} {
		api := loadRun(ctx, clients, 4*time.Second, func(c *http.Client) (int, error) {
			return load.DoStatus(ctx, c, tok, "GET", b.srv.URL+"/v1/assignments?tenant=4101&limit=50", nil)
		})
		base := loadRun(ctx, clients, 4*time.Second, func(c *http.Client) (int, error) {
			return load.DoStatus(ctx, c, "", "GET", bare.URL, nil)
		})
		res = append(res,
			BenchResult{Name: fmt.Sprintf("list-assignments, %d clients: throughput", clients), Value: api.rps, Baseline: base.rps, Unit: "req/s", Note: "baseline: same SQL, bare net/http"},
			BenchResult{Name: fmt.Sprintf("list-assignments, %d clients: p50", clients), Value: ms(api.p50), Baseline: ms(base.p50), Unit: "ms"},
			BenchResult{Name: fmt.Sprintf("list-assignments, %d clients: p99", clients), Value: ms(api.p99), Baseline: ms(base.p99), Unit: "ms"})
		if api.bad > 0 {
			return nil, fmt.Errorf("%d failed reads at %d clients", api.bad, clients)
		}
	}
	return res, nil
}

// bareAssignments serves the store's list of assignments for scope and f
// behind a bare net/http handler: the baseline of the API's overhead.
func (b *benchStack) bareAssignments(scope []string, f duban.AssignmentFilter) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items, total, err := b.app.DB.ListAssignments(r.Context(), scope, f)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items, "total": total})
	}))
}

// benchUpdate: an Update with a projection write (save-assignment-draft,
// the same path as submit, repeatable) against an Update whose handler
// does nothing, on the same server, sequentially.
func benchUpdate(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	var camp struct{ ID string }
	if err := load.DoJSON(ctx, http.DefaultClient, b.token("henan-planner"), "POST", b.srv.URL+"/v1/campaigns", map[string]any{"template": "generic",
		"title": "更新基准", "scope": "41", "levels": []string{"county"}, "targets": []string{"410122"}}, &camp); err != nil {
		return nil, err
	}
	aid := camp.ID + ".410122"
	for deadline := time.Now().Add(time.Minute); b.get(ctx, "zhongmu-staff", "/v1/assignments/"+aid, nil) != nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("assignment did not appear")
		}
	}
	run, err := b.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "noop/" + camp.ID, TaskQueue: b.app.Config.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, "NoopUpdates")
	if err != nil {
		return nil, err
	}
	defer b.app.Temporal.TerminateWorkflow(context.Background(), run.GetID(), "", "bench done")
	const n = 200
	var engine, base []time.Duration
	for i := 0; i < n; i++ {
		t0 := time.Now()
		h, err := b.app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.NodeID(camp.ID, "410122"),
			UpdateName: workflows.UpdateSaveDraft, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.DraftInput{Actor: workflows.Actor{Login: "bench"}, Values: map[string]any{"completed": float64(i)}}}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			return nil, err
		}
		engine = append(engine, time.Since(t0))
		t0 = time.Now()
		h, err = b.app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: "noop",
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{i}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			return nil, err
		}
		base = append(base, time.Since(t0))
	}
	return []BenchResult{
		{Name: "update round trip (draft + projection): p50", Value: ms(load.Percentile(engine, 50)), Baseline: ms(load.Percentile(base, 50)), Unit: "ms", Note: "baseline: empty Update handler"},
		{Name: "update round trip (draft + projection): p99", Value: ms(load.Percentile(engine, 99)), Baseline: ms(load.Percentile(base, 99)), Unit: "ms"},
	}, nil
}

type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	bad      int
	firstBad string // the first failure: its status or error
}

// failed counts a failed call, keeping the first's status or error for the report.
func (r *loadResult) failed(st int, err error) {
	if r.bad++; r.firstBad == "" {
		r.firstBad = fmt.Sprintf("status %d", st)
		if err != nil {
			r.firstBad = err.Error()
		}
	}
}

// loadRun drives fn from the given number of clients for d.
func loadRun(ctx context.Context, clients int, d time.Duration, fn func(c *http.Client) (int, error)) loadResult {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var mu sync.Mutex
	var lat []time.Duration
	var res loadResult
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				st, err := fn(c)
				el := time.Since(t0)
				mu.Lock()
				if err != nil || st != 200 {
					res.failed(st, err)
				} else {
					lat = append(lat, el)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.rps, res.p50, res.p99 = float64(len(lat))/d.Seconds(), load.Percentile(lat, 50), load.Percentile(lat, 99)
	return res
}

// loadInterleaved calls each of fns in turn from one client for d, after a
// second of the same unrecorded (caches warm), and gives each its result:
// figures compared with each other are measured over the same seconds, so
// a drift in the machine's speed (up to 2× between runs here) moves them
// together.
func loadInterleaved(ctx context.Context, d time.Duration, fns ...func(c *http.Client) (int, error)) []loadResult {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	out := make([]loadResult, len(fns))
	lat := make([][]time.Duration, len(fns))
	warm := time.Now().Add(time.Second)
	end := warm.Add(d)
	for now := time.Now(); now.Before(end) && ctx.Err() == nil; now = time.Now() {
		for i, fn := range fns {
			t0 := time.Now()
			st, err := fn(c)
			el := time.Since(t0)
			switch {
			case err != nil || st != http.StatusOK:
				out[i].failed(st, err)
			case !now.Before(warm):
				lat[i] = append(lat[i], el)
			}
		}
	}
	for i := range out {
		out[i].rps = float64(len(lat[i])) / d.Seconds()
		out[i].p50, out[i].p99 = load.Percentile(lat[i], 50), load.Percentile(lat[i], 99)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSS is this process's peak resident set size in bytes.
func peakRSS() int64 { return procStatus("VmHWM:") }

// procStatus is a size in bytes from this process's /proc status (VmRSS:,
// VmHWM:).
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			f := strings.Fields(l)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

var benches = map[string]func(context.Context, *benchStack, io.Writer) ([]BenchResult, error){
	"fanout": benchFanout, "townships": benchTownships, "reads": benchReads, "update": benchUpdate, "console": benchConsole,
	"registry": benchRegistry, "audit": benchAudit, "inbox": benchInbox, "volume": benchVolume, "open": benchOpen, "hold": benchHold,
}

// runBench runs the named benchmarks (all but townships by default) on a
// fresh stack and prints each figure with its baseline and ratio.
func runBench(ctx context.Context, names []string, out io.Writer) error {
	if len(names) == 0 {
		names = []string{"fanout", "reads", "update"}
	}
	for _, n := range names {
		if benches[n] == nil {
			keys := make([]string, 0, len(benches))
			for k := range benches {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return fmt.Errorf("unknown benchmark %q (have %s; the authorization benchmark is `go test -bench . ./authz`)", n, strings.Join(keys, ", "))
		}
	}
	b, err := startBench(ctx, out)
	if err != nil {
		return err
	}
	defer b.Close()
	for _, n := range names {
		fmt.Fprintf(out, "== %s\n", n)
		res, err := benches[n](ctx, b, out)
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		for _, r := range res {
			fmt.Fprintln(out, r)
		}
	}
	return nil
}

// tableBytes is each table's size with its indexes and TOAST.
func tableBytes(ctx context.Context, url string, tables ...string) (map[string]int64, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := db.Pool.QueryRow(ctx, "SELECT pg_total_relation_size($1::regclass)", t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}

// benchHold prints where the stack's PostgreSQL listens and waits until
// interrupted: after `inbox` or `volume`, for EXPLAIN ANALYZE on the data
// (psql "<admin URL>"; SET ROLE duban_app and set duban.scope to see what the
// API sees).
func benchHold(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	fmt.Fprintf(out, "PostgreSQL (owner): %s\nAPI: %s\nholding until interrupted\n", b.pg.AdminURL("duban"), b.srv.URL)
	<-ctx.Done()
	return nil, nil
}
