// Package load is Duban's load generator: a bounded run of mixed reads and
// writes from the seeded personas at a fixed rate against an API on this
// machine (loopback only), with throughput and latency per operation.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Config configures a run (`duban-bench loadtest`): a bounded run of mixed reads and
// writes from many personas at a fixed rate against an API on this machine.
type Config struct {
	URL      string
	Rate     int           // requests per second, all personas together
	Duration time.Duration // how long to send
	Workers  int           // concurrent clients
	// Token returns a bearer token for a persona; default: dev tokens.
	Token func(ctx context.Context, login string) (string, error)
}

// Report is what a run measured.
type Report struct {
	Sent       int                  `json:"sent"`
	Seconds    float64              `json:"seconds"`
	Throughput float64              `json:"throughput_rps"`
	Status     map[int]int          `json:"status"`
	Errors     int                  `json:"transport_errors"`
	Server5xx  int                  `json:"server_5xx"`
	P50, P99   time.Duration        `json:"-"`
	PerOp      map[string]*opReport `json:"per_op"`
}

type opReport struct {
	Count int     `json:"count"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	lat   []time.Duration
}

// ParseFlags reads the loadtest flags; only loopback targets are accepted.
func ParseFlags(args []string) (Config, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	c := Config{}
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "API base URL (loopback only)")
	fs.IntVar(&c.Rate, "rate", 100, "requests per second in all")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "how long to send (at most 10m)")
	fs.IntVar(&c.Workers, "workers", 16, "concurrent clients")
	err := fs.Parse(args)
	if err == nil && (c.Duration <= 0 || c.Duration > 10*time.Minute || c.Rate <= 0 || c.Rate > 5000 || c.Workers <= 0) {
		err = fmt.Errorf("rate 1–5000, duration up to 10m, workers ≥ 1")
	}
	if err == nil && !(strings.HasPrefix(c.URL, "http://127.") || strings.HasPrefix(c.URL, "http://localhost") || strings.HasPrefix(c.URL, "http://[::1]")) {
		err = fmt.Errorf("the load test only targets loopback addresses")
	}
	return c, err
}

type loadOp struct {
	name, login, method, path string
	body                      any
	weight                    int
}

// Run runs the load and returns the report; it launches a campaign first
// so that reads and writes have something to work on.
func Run(ctx context.Context, c Config) (*Report, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.Workers}}
	if c.Token == nil {
		c.Token = func(ctx context.Context, login string) (string, error) {
			var out struct{ Token string }
			if err := DoJSON(ctx, client, "", "POST", c.URL+"/v1/dev/tokens", map[string]any{"user": login}, &out); err != nil {
				return "", fmt.Errorf("dev token for %s (is the server in dev mode?): %w", login, err)
			}
			return out.Token, nil
		}
	}
	tokens := map[string]string{}
	for _, p := range []string{"henan-planner", "zhengzhou-reviewer", "zhongmu-staff", "kaifeng-reviewer", "lankao-staff", "hubei-planner", "henan-admin", "nation-admin"} {
		t, err := c.Token(ctx, p)
		if err != nil {
			return nil, err
		}
		tokens[p] = t
	}
	var camp struct{ ID string }
	if err := DoJSON(ctx, client, tokens["henan-planner"], "POST", c.URL+"/v1/campaigns", map[string]any{"template": "generic",
		"title": "压力测试 " + time.Now().Format("15:04:05"), "scope": "41", "levels": []string{"county"}, "targets": []string{"410122", "410225"}}, &camp); err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if DoJSON(ctx, client, tokens["lankao-staff"], "GET", c.URL+"/v1/assignments/"+camp.ID+".410225", nil, nil) == nil &&
			DoJSON(ctx, client, tokens["zhongmu-staff"], "GET", c.URL+"/v1/assignments/"+camp.ID+".410122", nil, nil) == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the campaign's assignments did not appear")
		}
	}
	draft := map[string]any{"report": map[string]any{"completed": 1, "summary": "进行中"}}
	ops := []loadOp{
		{"list-assignments", "zhengzhou-reviewer", "GET", "/v1/assignments?tenant=4101&limit=50", nil, 4},
		{"list-assignments", "henan-planner", "GET", "/v1/assignments?campaign=" + camp.ID, nil, 2},
		{"get-campaign-progress", "henan-planner", "GET", "/v1/campaigns/" + camp.ID + "/progress", nil, 2},
		{"get-tenant", "kaifeng-reviewer", "GET", "/v1/tenants/410225", nil, 2},
		{"list-tenants", "hubei-planner", "GET", "/v1/tenants?parent=42", nil, 2},
		{"list-notifications", "zhongmu-staff", "GET", "/v1/notifications", nil, 2},
		{"get-assignment", "lankao-staff", "GET", "/v1/assignments/" + camp.ID + ".410225", nil, 2},
		{"list-users", "henan-admin", "GET", "/v1/users?limit=20", nil, 1},
		{"save-assignment-draft", "zhongmu-staff", "PUT", "/v1/assignments/" + camp.ID + ".410122/draft", draft, 1},
		{"save-assignment-draft", "lankao-staff", "PUT", "/v1/assignments/" + camp.ID + ".410225/draft", draft, 1},
		{"verify-audit-chain", "nation-admin", "GET", "/v1/audit/verify?tenant=4101", nil, 1},
	}
	var plan []loadOp
	for _, o := range ops {
		for i := 0; i < o.weight; i++ {
			plan = append(plan, o)
		}
	}
	rep := &Report{Status: map[int]int{}, PerOp: map[string]*opReport{}}
	var mu sync.Mutex
	var all []time.Duration
	jobs := make(chan loadOp, c.Workers)
	var wg sync.WaitGroup
	for i := 0; i < c.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range jobs {
				t0 := time.Now()
				status, err := DoStatus(ctx, client, tokens[o.login], o.method, c.URL+o.path, o.body)
				d := time.Since(t0)
				mu.Lock()
				rep.Sent++
				if err != nil {
					rep.Errors++
				} else {
					rep.Status[status]++
					if status >= 500 {
						rep.Server5xx++
					}
				}
				r := rep.PerOp[o.name]
				if r == nil {
					r = &opReport{}
					rep.PerOp[o.name] = r
				}
				r.Count++
				r.lat = append(r.lat, d)
				all = append(all, d)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(c.Rate))
	for i := 0; time.Since(start) < c.Duration; i++ {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case jobs <- plan[i%len(plan)]:
		default: // every worker busy: the server is behind; count it as a miss
			mu.Lock()
			rep.Status[0]++
			mu.Unlock()
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	rep.Seconds = time.Since(start).Seconds()
	rep.Throughput = float64(rep.Sent) / rep.Seconds
	rep.P50, rep.P99 = Percentile(all, 50), Percentile(all, 99)
	for _, r := range rep.PerOp {
		r.P50ms = float64(Percentile(r.lat, 50).Microseconds()) / 1000
		r.P99ms = float64(Percentile(r.lat, 99).Microseconds()) / 1000
	}
	return rep, nil
}

// Percentile returns the p-th percentile of ds (sorted in place).
func Percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "sent %d in %.1fs: %.1f req/s; p50 %v, p99 %v; transport errors %d; 5xx %d; status %v\n",
		r.Sent, r.Seconds, r.Throughput, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Errors, r.Server5xx, r.Status)
	names := make([]string, 0, len(r.PerOp))
	for n := range r.PerOp {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "%-24s %8s %10s %10s\n", "operation", "count", "p50 ms", "p99 ms")
	for _, n := range names {
		o := r.PerOp[n]
		fmt.Fprintf(w, "%-24s %8d %10.2f %10.2f\n", n, o.Count, o.P50ms, o.P99ms)
	}
}

// newJSONRequest builds a request with an optional JSON body and bearer token.
func newJSONRequest(ctx context.Context, token, method, url string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// DoStatus sends a JSON request and returns the status, discarding the body.
func DoStatus(ctx context.Context, c *http.Client, token, method, url string, body any) (int, error) {
	req, err := newJSONRequest(ctx, token, method, url, body)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// DoJSON sends a JSON request and decodes a 2xx answer into out.
func DoJSON(ctx context.Context, c *http.Client, token, method, url string, body, out any) error {
	req, err := newJSONRequest(ctx, token, method, url, body)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
