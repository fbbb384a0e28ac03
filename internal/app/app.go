// Package app is Duban's one assembly: it opens, runs and closes the whole
// system from a Config — the store, the tenant directory, authorization, the
// Temporal client, the worker with every workflow and activity, and the HTTP
// API. `duban dev`, `serve`, `worker`, `migrate`, the benchmarks and every
// full-stack test build the system here and nowhere else.
package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/duban/duban/pii"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"github.com/duban/duban/api"
	"github.com/duban/duban/authz"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/console"
	"github.com/duban/duban/division"
	"github.com/duban/duban/egress"
	"github.com/duban/duban/metrics"
	"github.com/duban/duban/postgres"
	"github.com/duban/duban/workflows"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"gocloud.dev/blob"
)

// Config is what the system needs to run.
type Config struct {
	DatabaseURL       string // application role (row-level security applies)
	TemporalAddress   string
	TemporalNamespace string
	TaskQueue         string        // default workflows.TaskQueue
	RateLimit         api.RateLimit // per user; zero value: off
	CORSOrigins       []string
	Version           string
	// Egress says which webhook targets may be registered and called.
	Egress egress.Policy
	// BlobURL is where attachments are kept (gocloud URL: file:///dir,
	// s3://bucket?…); empty turns uploads off.
	BlobURL string
	// ScanCommand is the virus-scan hook run on every upload (none: off).
	ScanCommand []string
	// Auth tells the console how users log in (OpenID Connect in production).
	Auth api.AuthConfig
	// PII seals personal data in the registry (DUBAN_PII_KEY; nil: keys
	// that live as long as the process, for tests).
	PII *pii.Keys
	// Tracer receives the spans of HTTP requests, Temporal calls, workflows,
	// activities and PostgreSQL statements (nil: the global provider, which
	// SetupTracing points at OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set).
	Tracer trace.TracerProvider
	// StickyCacheSize is how many workflows a worker keeps in memory
	// between their tasks (0: DefaultStickyCacheSize); set once per
	// process, by the first worker built.
	StickyCacheSize int
}

// DefaultStickyCacheSize is how many workflows a worker keeps in memory
// between their tasks. A campaign node in the cache costs its coroutines
// (BENCHMARKS.md, open workflows); one that is not cached is rebuilt from
// its history on its next task — a node's run is kept short by
// continue-as-new, so that costs little. The SDK's default is 10,000.
const DefaultStickyCacheSize = 4096

var stickyOnce sync.Once

// App is the running system of one process.
type App struct {
	Config     Config
	DB         *postgres.DB
	Dir        *duban.Directory
	Authz      *authz.Enforcer
	Temporal   client.Client
	Calendar   *calendar.Cache
	Activities *activities.Activities
	Engine     *workflows.Client // the API's way to the workflows
	Blobs      *blob.Bucket      // attachment content
	Metrics    *metrics.Registry // what the admin listener's /metrics shows

	worker worker.Worker
	cancel context.CancelFunc

	mu      sync.Mutex
	servers []*api.Server // told of role changes made anywhere
}

// Open connects to PostgreSQL and Temporal, loads the tenant tree and the
// authorization policy, and starts listening for policy and calendar
// changes made by any instance.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is required")
	}
	if cfg.TaskQueue == "" {
		cfg.TaskQueue = workflows.TaskQueue
	}
	if cfg.TemporalNamespace == "" {
		cfg.TemporalNamespace = "default"
	}
	if cfg.Tracer == nil {
		cfg.Tracer = otel.GetTracerProvider()
	}
	a := &App{Config: cfg, Metrics: metrics.New()}
	var err error
	if a.DB, err = postgres.Open(ctx, cfg.DatabaseURL, postgres.WithTracing(cfg.Tracer)); err != nil {
		return nil, err
	}
	tenants, err := a.DB.AllTenants(ctx)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("load tenants (did you run `duban migrate`?): %w", err)
	}
	if len(tenants) == 0 {
		a.Close()
		return nil, errors.New("no tenants in the database: run `duban migrate` first")
	}
	a.Dir = duban.NewDirectory(tenants)
	a.instrument()
	if a.Blobs, err = openBlobs(ctx, cfg.BlobURL); err != nil {
		a.Close()
		return nil, err
	}
	if a.Authz, err = authz.New(ctx, a.Dir, a.DB); err != nil {
		a.Close()
		return nil, err
	}
	tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{Tracer: cfg.Tracer.Tracer("temporal-sdk-go"),
		TextMapPropagator: propagation.TraceContext{}})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Temporal, err = client.DialContext(ctx, client.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace,
		Logger: slogAdapter{slog.Default()}, MetricsHandler: a.Metrics.Temporal(newIncidents(a.DB)), Interceptors: []interceptor.ClientInterceptor{tracing}})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	a.Engine = &workflows.Client{Temporal: a.Temporal, TaskQueue: cfg.TaskQueue}
	a.Calendar = &calendar.Cache{Source: a.DB}
	a.Activities = &activities.Activities{DB: a.DB, Dir: a.Dir, HTTP: cfg.Egress.Client(10 * time.Second), Calendar: a.Calendar}
	wctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.watch(wctx)
	return a, nil
}

// watch reloads casbin on every role-binding change and drops the cached
// calendar on every override, whichever instance made them.
func (a *App) watch(ctx context.Context) {
	// each listener calls its function once when it starts listening (to
	// catch up); Open returns after both did, so that no change made after
	// Open can be missed and the catch-up never lands in the middle of work
	var listening sync.WaitGroup
	listening.Add(2)
	once := func(fn func()) func() {
		var first sync.Once
		return func() {
			fn()
			first.Do(listening.Done)
		}
	}
	go func() {
		_ = a.DB.Listen(ctx, "duban_policy", once(func() {
			if err := a.Authz.Reload(); err != nil {
				slog.Error("reload authorization policy", "err", err)
			}
			a.mu.Lock()
			servers := slices.Clone(a.servers)
			a.mu.Unlock()
			for _, s := range servers {
				s.ForgetPrincipals()
			}
		}))
	}()
	go func() { _ = a.DB.Listen(ctx, "duban_calendar", once(a.Calendar.Invalidate)) }()
	done := make(chan struct{})
	go func() { listening.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // the listeners keep trying; changes then arrive late
		slog.Warn("not yet listening for policy and calendar changes")
	}
}

// Close stops the worker and closes the connections.
func (a *App) Close() {
	if a.worker != nil {
		a.worker.Stop()
		a.worker = nil
	}
	if a.cancel != nil {
		a.cancel()
	}
	if a.Temporal != nil {
		a.Temporal.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
	if a.Blobs != nil {
		_ = a.Blobs.Close()
	}
}

// Register registers every workflow and the activities on r.
func Register(r worker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.CampaignNode, workflow.RegisterOptions{Name: workflows.WorkflowName})
	r.RegisterWorkflowWithOptions(workflows.HazardFlow, workflow.RegisterOptions{Name: workflows.HazardWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.AccidentFlow, workflow.RegisterOptions{Name: workflows.AccidentWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.CadenceFlow, workflow.RegisterOptions{Name: workflows.CadenceWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.DangerousWorkFlow, workflow.RegisterOptions{Name: workflows.DangerousWorkWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.CircularFlow, workflow.RegisterOptions{Name: workflows.CircularWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.FollowUpFlow, workflow.RegisterOptions{Name: workflows.FollowUpWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.MilestonesFlow, workflow.RegisterOptions{Name: workflows.MilestonesWorkflowName})
	r.RegisterActivity(acts)
}

// NewWorker builds the worker on the task queue with every workflow and
// activity registered; more may be registered before it starts.
func (a *App) NewWorker() worker.Worker {
	stickyOnce.Do(func() {
		n := a.Config.StickyCacheSize
		if n <= 0 {
			n = DefaultStickyCacheSize
		}
		worker.SetStickyWorkflowCacheSize(n)
	})
	w := worker.New(a.Temporal, a.Config.TaskQueue, worker.Options{MaxConcurrentWorkflowTaskPollers: 8, MaxConcurrentActivityTaskPollers: 8,
		WorkerStopTimeout: WorkerStopTimeout})
	Register(w, a.Activities)
	return w
}

// StartWorker starts w (NewWorker's when nil) in the background; Close stops it.
func (a *App) StartWorker(w worker.Worker) error {
	if w == nil {
		w = a.NewWorker()
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	a.worker = w
	return nil
}

// WorkerStopTimeout is how long a stopping worker lets the activities it
// holds finish (SIGTERM: it stops polling at once). Kubernetes' grace period
// for the worker is longer (deploy/helm: 60 s).
const WorkerStopTimeout = 30 * time.Second

// RunWorker runs w (NewWorker's when nil) until ctx ends (SIGTERM), then
// stops polling and returns once the activities in flight have finished
// (within WorkerStopTimeout).
func (a *App) RunWorker(ctx context.Context, w worker.Worker) error {
	if w == nil {
		w = a.NewWorker()
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

// Server builds the API over the system; dev enables POST /v1/dev/tokens.
func (a *App) Server(v api.Verifier, dev *api.DevSigner) *api.Server {
	s := a.newServer(v, dev)
	a.mu.Lock()
	a.servers = append(a.servers, s)
	a.mu.Unlock()
	return s
}

func (a *App) newServer(v api.Verifier, dev *api.DevSigner) *api.Server {
	return &api.Server{
		DB: a.DB, Dir: a.Dir, Authz: a.Authz, Verifier: v, DevSigner: dev, Version: a.Config.Version, Engine: a.Engine,
		RateLimit: a.Config.RateLimit, CORSOrigins: a.Config.CORSOrigins, Egress: a.Config.Egress,
		Ready: []api.HealthCheck{{Name: "postgres", Check: a.DB.Ping}, {Name: "temporal", Check: a.Engine.Ping}},
		Blobs: a.Blobs, Scan: commandScanner(a.Config.ScanCommand), AuthConfig: a.Config.Auth, Metrics: a.Metrics, Tracer: a.Config.Tracer, PII: a.Config.PII,
		Console: console.Handler(console.Options{Issuer: issuerOrigin(a.Config.Auth.Issuer)}),
	}
}

// ShutdownGrace bounds how long in-flight requests may finish on shutdown.
const ShutdownGrace = 10 * time.Second

// Serve serves h on addr until ctx ends, then shuts down gracefully.
// ready, when set, receives the bound address.
func Serve(ctx context.Context, addr string, h http.Handler, ready func(string)) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	if ready != nil {
		ready(l.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	return srv.Shutdown(sctx)
}

// Migrate applies the migrations and imports the tenant tree, connecting as
// the schema owner.
func Migrate(ctx context.Context, adminURL string) error {
	if adminURL == "" {
		return errors.New("DATABASE_ADMIN_URL (or DATABASE_URL) is required")
	}
	tenants, err := division.Tenants()
	if err != nil {
		return err
	}
	if err := postgres.Migrate(ctx, adminURL, tenants); err != nil {
		return err
	}
	slog.Info("migrated", "tenants", len(tenants))
	return nil
}

// slogAdapter routes the Temporal SDK's log lines to slog at warn and above.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(string, ...interface{})        {}
func (a slogAdapter) Info(string, ...interface{})         {}
func (a slogAdapter) Warn(msg string, kv ...interface{})  { a.l.Warn(msg, kv...) }
func (a slogAdapter) Error(msg string, kv ...interface{}) { a.l.Error(msg, kv...) }

// issuerOrigin is the scheme and host of an OpenID issuer URL.
func issuerOrigin(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
