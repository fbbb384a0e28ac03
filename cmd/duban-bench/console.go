package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/duban/duban"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/internal/load"
)

// benchConsole measures the console in a real headless Chromium over
// loopback: navigation to an interactive county inbox and to a rendered
// national dashboard (every assignment of a national campaign), each
// against the browser's floor (navigating to a static file of the same
// server) and the data's floor (the same API calls the page makes, done
// by a Go client one after another); and the gzip size of what the login
// page loads.
func benchConsole(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	chromium := devstack.ChromiumPath()
	if chromium == "" {
		return nil, fmt.Errorf("no Chromium: apt-get install -y chromium fonts-noto-cjk")
	}
	id, n, err := b.national(ctx)
	if err != nil {
		return nil, err
	}
	dataDir, _ := os.MkdirTemp("", "duban-bench-chromium-")
	defer os.RemoveAll(dataDir)
	actx, cancelA := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.UserDataDir(dataDir), chromedp.WindowSize(1366, 768))
	defer cancelA()
	cctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	var mu sync.Mutex
	var loaded []string
	if err := chromedp.Listen(cctx, func(ev any) {
		if r, ok := ev.(*network.EventResponseReceived); ok {
			mu.Lock()
			loaded = append(loaded, r.Response.URL)
			mu.Unlock()
		}
	}); err != nil {
		return nil, err
	}
	if _, err := chromedp.Call(cctx, network.Enable, network.EnableParams{}); err != nil {
		return nil, err
	}
	base := b.srv.URL
	do := func(a ...chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(cctx, 2*time.Minute)
		defer cancel()
		return chromedp.Do(c, a...)
	}
	as := func(login string) error {
		if err := do(chromedp.Navigate(base + "/favicon.svg")); err != nil {
			return err
		}
		_, err := chromedp.Run(cctx, chromedp.Evaluate[bool](fmt.Sprintf(`(sessionStorage.setItem('duban.token', %q), true)`, b.token(login))))
		return err
	}
	// until is the time from navigating to path until ready is true.
	until := func(path, ready string) (time.Duration, error) {
		t0 := time.Now()
		if err := do(chromedp.Navigate(base + path)); err != nil {
			return 0, err
		}
		for time.Since(t0) < 2*time.Minute {
			ok, _ := chromedp.Run(cctx, chromedp.Evaluate[bool](ready))
			if ok {
				return time.Since(t0), nil
			}
			time.Sleep(5 * time.Millisecond)
		}
		return 0, fmt.Errorf("%s never became ready", path)
	}
	apiCalls := func(login string, paths ...string) (time.Duration, error) {
		t0 := time.Now()
		for _, p := range paths {
			var v any
			if err := load.DoJSON(ctx, http.DefaultClient, b.token(login), "GET", base+p, nil, &v); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}

	// the login page's assets, as a browser fetches them (gzip accepted)
	mu.Lock()
	loaded = nil
	mu.Unlock()
	if _, err := until("/login", `!!document.querySelector('.login button')`); err != nil {
		return nil, err
	}
	mu.Lock()
	urls := append([]string(nil), loaded...)
	mu.Unlock()
	var zipped, plain int64
	for _, u := range urls {
		if !strings.HasPrefix(u, base) || strings.Contains(u, "/v1/") {
			continue
		}
		z, p, err := transferSizes(ctx, u)
		if err != nil {
			return nil, err
		}
		zipped, plain = zipped+z, plain+p
	}

	const rounds = 7
	measure := func(login, path, ready string, apis []string) (page, browserFloor, dataFloor time.Duration, err error) {
		if err = as(login); err != nil {
			return
		}
		var pages, floors, datas []time.Duration
		for i := 0; i < rounds; i++ {
			var d time.Duration
			if d, err = until(path, ready); err != nil {
				return
			}
			pages = append(pages, d)
			if os.Getenv("DUBAN_BENCH_TRACE") != "" && i == rounds-1 {
				trace, _ := chromedp.Run(cctx, chromedp.Evaluate[string](`JSON.stringify(performance.getEntriesByType('resource').map(e => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.responseEnd)]).concat([['dcl', 0, Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd)]]))`))
				fmt.Fprintf(out, "trace %s: %s\n", path, trace)
			}
			if d, err = until("/favicon.svg", `document.readyState === 'complete'`); err != nil {
				return
			}
			floors = append(floors, d)
			if d, err = apiCalls(login, apis...); err != nil {
				return
			}
			datas = append(datas, d)
		}
		return median(pages[1:]), median(floors[1:]), median(datas[1:]), nil // the first round warms the cache
	}
	inbox, inboxFloor, inboxData, err := measure("zhongmu-staff", "/inbox",
		`!!document.querySelector('[data-test=assignments] .el-table__row')`,
		[]string{"/v1/me", "/v1/notifications?unread=true&limit=1", calendarWindow(-365, 0), calendarWindow(1, 366), "/v1/assignments?mine=true&limit=500"})
	if err != nil {
		return nil, err
	}
	total := fmt.Sprintf("%d", n)
	if n >= 1000 {
		total = fmt.Sprintf("%d,%03d", n/1000, n%1000)
	}
	dash, dashFloor, dashData, err := measure("nation-planner", "/campaigns/"+id,
		fmt.Sprintf(`(() => { const t = document.querySelector('[data-test=total]'); return !!t && t.innerText === %q && document.querySelectorAll('.chart canvas').length >= 2 })()`, total),
		[]string{"/v1/me", "/v1/notifications?unread=true&limit=1", "/v1/campaigns/" + id, "/v1/campaign-templates", "/v1/campaigns/" + id + "/progress",
			"/v1/campaigns/" + id + "/circulars", "/v1/accident-stats?tenant=000000"})
	if err != nil {
		return nil, err
	}
	return []BenchResult{
		{Name: "console: navigation → interactive inbox", Value: ms(inbox), Baseline: ms(inboxFloor), Unit: "ms",
			Note: fmt.Sprintf("baseline: navigating to a static file; the page's API calls alone take %.1f ms", ms(inboxData))},
		{Name: fmt.Sprintf("console: navigation → national dashboard (%d)", n), Value: ms(dash), Baseline: ms(dashFloor), Unit: "ms",
			Note: fmt.Sprintf("baseline: navigating to a static file; the page's API calls alone take %.1f ms", ms(dashData))},
		{Name: "console: login page assets, gzip", Value: float64(zipped) / 1024, Baseline: float64(plain) / 1024, Unit: "KiB",
			Note: "baseline: the same assets uncompressed"},
	}, nil
}

// transferSizes fetches u with and without gzip and returns the bytes sent.
func transferSizes(ctx context.Context, u string) (zipped, plain int64, err error) {
	for _, enc := range []string{"gzip", "identity"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		req.Header.Set("Accept-Encoding", enc)
		r, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return 0, 0, err
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		n := int64(len(body))
		if enc == "gzip" { // HTML and images are sent as they are
			zipped = n
		} else {
			plain = n
		}
	}
	return zipped, plain, nil
}

// calendarWindow is the calendar query the console makes for days a..b from today.
func calendarWindow(a, b int) string {
	now := time.Now().In(duban.Shanghai)
	return "/v1/calendar/days?from=" + now.AddDate(0, 0, a).Format("2006-01-02") + "&to=" + now.AddDate(0, 0, b).Format("2006-01-02") + "&limit=500"
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// national returns a national campaign with every assignment visible,
// launching one when this run has none yet.
func (b *benchStack) national(ctx context.Context) (string, int, error) {
	levels := map[duban.Level]bool{duban.LevelProvince: true, duban.LevelCity: true, duban.LevelCounty: true}
	n := countTree(buildTree(b.app.Dir, duban.RootCode, levels))
	var list struct{ Items []struct{ ID, Scope string } }
	if err := b.get(ctx, "nation-planner", "/v1/campaigns?limit=50", &list); err != nil {
		return "", 0, err
	}
	id := ""
	for _, c := range list.Items {
		if c.Scope == duban.RootCode {
			id = c.ID
		}
	}
	if id == "" {
		var camp struct{ ID string }
		if err := load.DoJSON(ctx, http.DefaultClient, b.token("nation-planner"), "POST", b.srv.URL+"/v1/campaigns", map[string]any{"template": "generic",
			"title": "全国基准", "scope": duban.RootCode, "levels": []string{"province", "city", "county"}}, &camp); err != nil {
			return "", 0, err
		}
		id = camp.ID
	}
	for t0 := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		var page struct{ Total int }
		if err := b.get(ctx, "nation-planner", "/v1/assignments?campaign="+id+"&limit=1", &page); err != nil {
			return "", 0, err
		}
		if page.Total == n {
			return id, n, nil
		}
		if time.Since(t0) > 10*time.Minute {
			return "", 0, fmt.Errorf("fan-out incomplete after 10 minutes: %d of %d", page.Total, n)
		}
	}
}
