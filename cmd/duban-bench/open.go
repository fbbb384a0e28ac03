package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/workflows"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// benchOpen measures the worker's memory with DUBAN_BENCH_OPEN (100,000)
// campaign nodes open at once: county nodes of as many nation-wide
// campaigns as it takes, each of which has written its assignment and waits
// for its first reminder a year ahead — what a worker holds in year three.
// The process runs the API, the worker and the bench; its resident set is
// read when idle before (the baseline), with every node open and the sticky
// cache as set (DUBAN_STICKY_CACHE, default app.DefaultStickyCacheSize),
// and after the cache is purged (what the open workflows cost without it).
func benchOpen(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	n, err := strconv.Atoi(envString("DUBAN_BENCH_OPEN", "100000"))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("DUBAN_BENCH_OPEN: want a number of workflows, got %q", envString("DUBAN_BENCH_OPEN", ""))
	}
	owner, err := pgx.Connect(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	defer owner.Close(ctx)
	var counties []string
	for _, t := range subtree(b.app.Dir, duban.RootCode) {
		if b.app.Dir.Get(t).Level == duban.LevelCounty {
			counties = append(counties, t)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	due := now.AddDate(1, 0, 0)
	tpl := duban.TemplateByID("generic")
	type job struct{ cid, tenant string }
	jobs := make(chan job)
	var campaigns []string
	for i := 0; i*len(counties) < n; i++ {
		cid := fmt.Sprintf("cow%03d", i)
		if err := b.app.DB.InsertCampaign(ctx, duban.SystemScope, &duban.Campaign{ID: cid, Template: "generic", Title: "常态化督办 " + strconv.Itoa(i), Scope: duban.RootCode,
			Levels: []duban.Level{duban.LevelCounty}, Phases: []duban.PhaseDeadline{{ID: "main", Due: due}}, CreatedBy: "bench", CreatedAt: now}); err != nil {
			return nil, err
		}
		campaigns = append(campaigns, cid)
	}
	idle := settledRSS()
	fmt.Fprintf(out, "idle: %d MiB resident; starting %d nodes of %d campaigns (sticky cache %d)\n", idle>>20, n, len(campaigns), stickySize(b))
	var started, failed atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	// the nodes open: each has written its assignment (its first task done)
	written := func(ctx context.Context, c *pgx.Conn) (int, error) {
		var k int
		err := c.QueryRow(ctx, `SELECT count(*) FROM assignments WHERE campaign_id LIKE 'cow%'`).Scan(&k)
		return k, err
	}
	// progress while they start: how many have run their first task, and
	// the resident set as they pile up
	startCtx, stopProgress := context.WithCancel(ctx)
	defer stopProgress()
	progress, err := pgx.Connect(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	defer progress.Close(ctx)
	go func() {
		for {
			select {
			case <-startCtx.Done():
				return
			case <-time.After(30 * time.Second):
			}
			if k, err := written(startCtx, progress); err == nil {
				fmt.Fprintf(out, "  %s: %d started, %d open (assignment written), %d MiB resident\n", time.Since(t0).Round(time.Second), started.Load(), k,
					procStatus("VmRSS:")>>20)
			}
		}
	}()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t := b.app.Dir.Get(j.tenant)
				_, err := b.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.NodeID(j.cid, j.tenant), TaskQueue: b.app.Config.TaskQueue},
					workflows.WorkflowName, workflows.NodeInput{CampaignID: j.cid, Scope: duban.RootCode, Tenant: j.tenant, Name: t.Name, Level: t.Level,
						HasAssignment: true, Reviewer: t.Supervisor, Signer: t.Supervisor, Title: "常态化督办", Phase: "main", Due: due,
						Levels: []duban.Level{duban.LevelCounty}, Targets: []string{j.tenant}, Template: *tpl})
				if err != nil {
					failed.Add(1)
					continue
				}
				started.Add(1)
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- job{campaigns[i/len(counties)], counties[i%len(counties)]}
	}
	close(jobs)
	wg.Wait()
	if failed.Load() > 0 {
		return nil, fmt.Errorf("%d of %d workflows did not start", failed.Load(), n)
	}
	fmt.Fprintf(out, "started %d in %s\n", started.Load(), time.Since(t0).Round(time.Second))
	for {
		k, err := written(ctx, owner)
		if err != nil {
			return nil, err
		}
		if k >= n {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
	stopProgress()
	fmt.Fprintf(out, "all %d open after %s\n", n, time.Since(t0).Round(time.Second))
	open := settledRSS()
	peak := peakRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	goroutines := runtime.NumGoroutine()
	worker.PurgeStickyWorkflowCache()
	purged := settledRSS()
	fmt.Fprintf(out, "open: %d MiB resident (peak %d MiB, heap in use %d MiB, %d goroutines); cache purged: %d MiB\n",
		open>>20, peak>>20, ms.HeapInuse>>20, goroutines, purged>>20)
	mib := func(v int64) float64 { return float64(v) / (1 << 20) }
	return []BenchResult{
		{Name: fmt.Sprintf("resident set with %d open nodes, sticky cache %d", n, stickySize(b)), Value: mib(open), Baseline: mib(idle), Unit: "MiB", Note: "baseline: the same process idle before"},
		{Name: fmt.Sprintf("resident set with %d open nodes, cache purged", n), Value: mib(purged), Baseline: mib(idle), Unit: "MiB"},
		{Name: "peak resident set while starting them", Value: mib(peak), Baseline: mib(idle), Unit: "MiB"},
	}, nil
}

// settledRSS is the resident set after a collection returned what it can.
func settledRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(2 * time.Second)
	return procStatus("VmRSS:")
}

func stickySize(b *benchStack) int {
	if b.app.Config.StickyCacheSize > 0 {
		return b.app.Config.StickyCacheSize
	}
	return app.DefaultStickyCacheSize
}
