package metrics

import (
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// Temporal is the SDK's metrics handler over the registry: the client's
// and worker's series under their own names (temporal_request,
// temporal_workflow_task_schedule_to_start_latency, …), timers as
// histograms in seconds. A series' label names are fixed by its first use;
// a later use with other tags fills the missing ones with "" and drops the
// rest (Prometheus needs one label set per name). next, when set, sees
// every call too (the incident watcher).
func (r *Registry) Temporal(next client.MetricsHandler) client.MetricsHandler {
	return &temporalHandler{v: &temporalVecs{reg: r.Registry, counters: map[string]*prometheus.CounterVec{},
		gauges: map[string]*prometheus.GaugeVec{}, timers: map[string]*prometheus.HistogramVec{}, labels: map[string][]string{}}, next: next}
}

type temporalVecs struct {
	reg      *prometheus.Registry
	mu       sync.Mutex
	counters map[string]*prometheus.CounterVec
	gauges   map[string]*prometheus.GaugeVec
	timers   map[string]*prometheus.HistogramVec
	labels   map[string][]string
}

type temporalHandler struct {
	v    *temporalVecs
	tags map[string]string
	next client.MetricsHandler
}

func (h *temporalHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	out := &temporalHandler{v: h.v, tags: merged}
	if h.next != nil {
		out.next = h.next.WithTags(tags)
	}
	return out
}

// values orders the handler's tags by the series' label names, fixing them
// on first use.
func (v *temporalVecs) values(name string, tags map[string]string) ([]string, []string) {
	names, ok := v.labels[name]
	if !ok {
		for k := range tags {
			names = append(names, k)
		}
		sort.Strings(names)
		v.labels[name] = names
	}
	vals := make([]string, len(names))
	for i, k := range names {
		vals[i] = tags[k]
	}
	return names, vals
}

// series returns the vector named name, making and registering it on
// first use with the label names the handler's tags fix, and the label
// values for this handler.
func series[V prometheus.Collector](h *temporalHandler, vecs map[string]V, name string, newVec func(labels []string) V) (V, []string) {
	v := h.v
	v.mu.Lock()
	defer v.mu.Unlock()
	names, vals := v.values(name, h.tags)
	vec, ok := vecs[name]
	if !ok {
		vec = newVec(names)
		_ = v.reg.Register(vec) // a clash leaves the series unexported, never the SDK broken
		vecs[name] = vec
	}
	return vec, vals
}

func (h *temporalHandler) Counter(name string) client.MetricsCounter {
	vec, vals := series(h, h.v.counters, name, func(l []string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "Temporal SDK counter " + name}, l)
	})
	c := vec.WithLabelValues(vals...)
	var next client.MetricsCounter
	if h.next != nil {
		next = h.next.Counter(name)
	}
	return counterFunc(func(n int64) {
		if n > 0 {
			c.Add(float64(n))
		}
		if next != nil {
			next.Inc(n)
		}
	})
}

func (h *temporalHandler) Gauge(name string) client.MetricsGauge {
	vec, vals := series(h, h.v.gauges, name, func(l []string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "Temporal SDK gauge " + name}, l)
	})
	return gaugeFunc(vec.WithLabelValues(vals...).Set)
}

func (h *temporalHandler) Timer(name string) client.MetricsTimer {
	vec, vals := series(h, h.v.timers, name, func(l []string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: "Temporal SDK timer " + name + " (seconds)",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, l)
	})
	o := vec.WithLabelValues(vals...)
	return timerFunc(func(d time.Duration) { o.Observe(d.Seconds()) })
}

type counterFunc func(int64)

func (f counterFunc) Inc(n int64) { f(n) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(x float64) { f(x) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }
