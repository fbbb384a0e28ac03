// Package metrics is what an operator scrapes from the admin listener
// (DUBAN_ADMIN_ADDR, /metrics): HTTP requests by operation and status with
// latency histograms (duban_http_*), the Temporal SDK's client and worker
// metrics (temporal_*), PostgreSQL pool statistics (duban_db_pool_*), and
// the business gauges a province watches (duban_assignments,
// duban_hazards_overdue, duban_accident_reports_late, duban_webhooks_failing).
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/duban/duban"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every series of one process.
type Registry struct {
	*prometheus.Registry
	http *prometheus.CounterVec
	dur  *prometheus.HistogramVec
}

// New returns a registry with the Go runtime, process and HTTP series.
func New() *Registry {
	r := &Registry{Registry: prometheus.NewRegistry()}
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	r.http = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "duban_http_requests_total",
		Help: "HTTP requests by operation (OpenAPI operationId), method and status."}, []string{"operation", "method", "status"})
	r.dur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "duban_http_request_duration_seconds",
		Help: "HTTP request latency by operation.", Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15}}, []string{"operation", "method"})
	r.MustRegister(r.http, r.dur)
	return r
}

// Handler serves the registry as Prometheus text.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.Registry, promhttp.HandlerOpts{ErrorLog: slogErrors{}, ErrorHandling: promhttp.ContinueOnError})
}

// ObserveHTTP records one answered request.
func (r *Registry) ObserveHTTP(operation, method string, status int, d time.Duration) {
	if r == nil {
		return
	}
	r.http.WithLabelValues(operation, method, statusClass(status)).Inc()
	r.dur.WithLabelValues(operation, method).Observe(d.Seconds())
}

func statusClass(s int) string {
	if s < 100 || s > 599 {
		return "other"
	}
	return strconv.Itoa(s)
}

type slogErrors struct{}

func (slogErrors) Println(v ...any) { slog.Error("metrics", "err", v) }

// Source reads business gauges (from the database, in the system scope).
type Source func(ctx context.Context) ([]duban.Gauge, error)

// AddSource collects gauges from src. With refresh 0 src is read at every
// scrape; otherwise a scrape gets the last values and, when they are older
// than refresh, starts one reading in the background (slow queries such
// as verifying the audit chains never hold a scrape up), each bounded by
// timeout.
func (r *Registry) AddSource(src Source, refresh, timeout time.Duration) {
	r.MustRegister(&sourceCollector{src: src, refresh: refresh, timeout: timeout})
}

type sourceCollector struct {
	src              Source
	refresh, timeout time.Duration
	mu               sync.Mutex
	at               time.Time
	busy             bool
	last             []duban.Gauge
}

func (c *sourceCollector) Describe(chan<- *prometheus.Desc) {} // unchecked: the label sets come from the data

func (c *sourceCollector) read() {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	gs, err := c.src(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = false
	if err != nil {
		slog.Error("collect gauges", "err", err)
		return
	}
	c.last, c.at = gs, time.Now()
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	if c.refresh == 0 {
		c.read()
	} else {
		c.mu.Lock()
		if time.Since(c.at) >= c.refresh && !c.busy {
			c.busy = true
			go c.read()
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	gs := c.last
	c.mu.Unlock()
	for _, g := range gs {
		names := make([]string, 0, len(g.Labels))
		for k := range g.Labels {
			names = append(names, k)
		}
		sort.Strings(names)
		values := make([]string, len(names))
		for i, k := range names {
			values[i] = g.Labels[k]
		}
		d := prometheus.NewDesc("duban_"+g.Name, g.Help, names, nil)
		if m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, g.Value, values...); err == nil {
			ch <- m
		}
	}
}
