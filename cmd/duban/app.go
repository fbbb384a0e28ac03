package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/duban/duban/authz"
	"github.com/duban/duban/division"
	"github.com/duban/duban/postgres"
	"github.com/duban/duban/workflows"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// Version is set at build time.
var Version = "dev"

// core is what serve and worker share.
type core struct {
	DB       *postgres.DB
	Dir      *duban.Directory
	Authz    *authz.Enforcer
	Temporal client.Client
	// TaskQueue is where the worker polls and campaigns run.
	TaskQueue string
	// RateLimit and CORSOrigins configure the API (see Config).
	RateLimit   api.RateLimit
	CORSOrigins []string
}

func openCore(ctx context.Context, dbURL, temporalAddr, namespace string) (*core, error) {
	if dbURL == "" {
		return nil, errors.New("DATABASE_URL is required")
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	tenants, err := db.AllTenants(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load tenants (did you run `duban migrate`?): %w", err)
	}
	if len(tenants) == 0 {
		db.Close()
		return nil, errors.New("no tenants in the database: run `duban migrate` first")
	}
	dir := duban.NewDirectory(tenants)
	enf, err := authz.New(ctx, dir, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	tc, err := client.DialContext(ctx, client.Options{HostPort: temporalAddr, Namespace: namespace, Logger: slogAdapter{slog.Default()}})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to Temporal at %s: %w", temporalAddr, err)
	}
	return &core{DB: db, Dir: dir, Authz: enf, Temporal: tc, TaskQueue: workflows.TaskQueue}, nil
}

func (c *core) Close() {
	if c.Temporal != nil {
		c.Temporal.Close()
	}
	if c.DB != nil {
		c.DB.Close()
	}
}

// server builds the API server over the core.
func (c *core) server(v api.Verifier, dev *api.DevSigner) *api.Server {
	return &api.Server{
		DB: c.DB, Dir: c.Dir, Authz: c.Authz, Verifier: v, DevSigner: dev, Version: Version, Temporal: c.Temporal, TaskQueue: c.TaskQueue,
		RateLimit: c.RateLimit, CORSOrigins: c.CORSOrigins,
		Ready: []api.HealthCheck{
			{Name: "postgres", Check: c.DB.Ping},
			{Name: "temporal", Check: func(ctx context.Context) error {
				_, err := c.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
				return err
			}},
		},
	}
}

// listenAndServe serves h on addr until ctx ends, then shuts down gracefully.
// ready receives the bound address.
func listenAndServe(ctx context.Context, addr string, h http.Handler, ready func(string)) error {
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
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return srv.Shutdown(sctx)
}

// watchPolicy reloads casbin whenever role bindings change anywhere.
func (c *core) watchPolicy(ctx context.Context) {
	go func() {
		_ = c.DB.Listen(ctx, "duban_policy", func() {
			if err := c.Authz.Reload(); err != nil {
				slog.Error("reload authorization policy", "err", err)
			}
		})
	}()
}

func serve(ctx context.Context, cfg Config) error {
	v, err := cfg.verifier()
	if err != nil {
		return err
	}
	c, err := openCore(ctx, cfg.DatabaseURL, cfg.TemporalAddress, cfg.TemporalNamespace)
	if err != nil {
		return err
	}
	defer c.Close()
	c.RateLimit, c.CORSOrigins, c.TaskQueue = cfg.RateLimit, cfg.CORSOrigins, cfg.TaskQueue
	c.watchPolicy(ctx)
	return listenAndServe(ctx, cfg.Addr, c.server(v, nil).Handler(), func(a string) {
		slog.Info("duban API listening", "addr", a)
	})
}

func migrate(ctx context.Context, cfg Config) error {
	if cfg.DatabaseAdminURL == "" {
		return errors.New("DATABASE_ADMIN_URL (or DATABASE_URL) is required")
	}
	tenants, err := division.Tenants()
	if err != nil {
		return err
	}
	if err := postgres.Migrate(ctx, cfg.DatabaseAdminURL, tenants); err != nil {
		return err
	}
	slog.Info("migrated", "tenants", len(tenants))
	return nil
}

func runWorker(ctx context.Context, cfg Config) error {
	c, err := openCore(ctx, cfg.DatabaseURL, cfg.TemporalAddress, cfg.TemporalNamespace)
	if err != nil {
		return err
	}
	defer c.Close()
	c.TaskQueue = cfg.TaskQueue
	w, err := c.worker()
	if err != nil {
		return err
	}
	return w.Run(worker.InterruptCh())
}

// slogAdapter routes the Temporal SDK's log lines to slog at warn and above.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(string, ...interface{})        {}
func (a slogAdapter) Info(string, ...interface{})         {}
func (a slogAdapter) Warn(msg string, kv ...interface{})  { a.l.Warn(msg, kv...) }
func (a slogAdapter) Error(msg string, kv ...interface{}) { a.l.Error(msg, kv...) }
