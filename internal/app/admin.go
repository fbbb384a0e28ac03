package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/duban/duban"
)

// How often the gauges are re-read: the business counts every 30 s, the
// audit chains (a walk of every chain) every 15 minutes.
const (
	BusinessRefresh = 30 * time.Second
	AuditRefresh    = 15 * time.Minute
)

// instrument registers the process's series: the Temporal SDK's (through
// the client's metrics handler, set in Open), the database pool's and the
// business gauges.
func (a *App) instrument() {
	a.Metrics.AddSource(a.DB.Gauges, BusinessRefresh, 20*time.Second)
	a.Metrics.AddSource(func(ctx context.Context) ([]duban.Gauge, error) {
		broken, n, err := a.DB.VerifyAudit(ctx, duban.SystemScope, false)
		if err != nil {
			return nil, err
		}
		g := duban.Gauge{Name: "audit_chain_broken", Help: "1 when an audit chain no longer verifies (the tenant of the first broken link).", Labels: map[string]string{"tenant": ""}}
		if broken != nil {
			g.Value, g.Labels["tenant"] = 1, broken.Tenant
		}
		return []duban.Gauge{g, {Name: "audit_events_verified", Help: "Audit events checked by the last verification.", Value: float64(n)}}, nil
	}, AuditRefresh, 10*time.Minute)
	a.Metrics.AddSource(func(context.Context) ([]duban.Gauge, error) {
		st := a.DB.Pool.Stat()
		g := func(name, help string, v float64) duban.Gauge {
			return duban.Gauge{Name: "db_pool_" + name, Help: help, Value: v}
		}
		return []duban.Gauge{
			g("connections_acquired", "Connections in use.", float64(st.AcquiredConns())),
			g("connections_idle", "Idle connections.", float64(st.IdleConns())),
			g("connections_total", "Open connections.", float64(st.TotalConns())),
			g("connections_max", "The pool's limit.", float64(st.MaxConns())),
			g("acquires_total", "Connections acquired since start.", float64(st.AcquireCount())),
			g("acquires_waited_total", "Acquires that had to wait for a connection.", float64(st.EmptyAcquireCount())),
			g("acquire_wait_seconds_total", "Time spent waiting for connections.", st.AcquireDuration().Seconds()),
		}, nil
	}, 0, 5*time.Second)
}

// StartAdmin serves the admin listener on addr until ctx ends: /metrics
// (Prometheus text), /livez and /readyz. It fails at once when addr cannot
// be listened on.
func (a *App) StartAdmin(ctx context.Context, addr string, ready func(string)) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("DUBAN_ADMIN_ADDR %q: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		c, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := errors.Join(a.DB.Ping(c), a.Engine.Ping(c)); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if ready != nil {
		ready(l.Addr().String())
	}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("admin listener", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(c)
	}()
	return nil
}
