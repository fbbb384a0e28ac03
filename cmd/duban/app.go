package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/duban/duban/pii"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/duban/duban/egress"
	"github.com/duban/duban/internal/app"
)

// Version is set at build time.
var Version = "dev"

func (c Config) app() app.Config {
	return app.Config{DatabaseURL: c.DatabaseURL, TemporalAddress: c.TemporalAddress, TemporalNamespace: c.TemporalNamespace,
		TaskQueue: c.TaskQueue, RateLimit: c.RateLimit, CORSOrigins: c.CORSOrigins, Version: Version,
		Egress:  egress.Policy{Allow: c.WebhookAllow}, // https only
		BlobURL: c.BlobURL, ScanCommand: c.ScanCommand, StickyCacheSize: c.StickyCacheSize,
		Auth: api.AuthConfig{Mode: "oidc", Issuer: c.AuthIssuer, ClientID: c.ConsoleClientID}}
}

func serve(ctx context.Context, cfg Config) error {
	if cfg.Err != nil {
		return cfg.Err
	}
	v, err := cfg.verifier()
	if err != nil {
		return err
	}
	ac := cfg.app()
	if cfg.PIIKey == "" {
		return errors.New("DUBAN_PII_KEY (or DUBAN_PII_KEY_FILE) is required: the registry seals ID numbers and phones with it; make one with `openssl rand -base64 32` and keep it with the database backups")
	}
	if ac.PII, err = pii.Parse(cfg.PIIKey); err != nil {
		return fmt.Errorf("DUBAN_PII_KEY: %w", err)
	}
	a, err := app.Open(ctx, ac)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := admin(ctx, a, cfg); err != nil {
		return err
	}
	return app.Serve(ctx, cfg.Addr, a.Server(v, nil).Handler(), func(addr string) {
		slog.Info("duban API listening", "addr", addr)
	})
}

func runWorker(ctx context.Context, cfg Config) error {
	if cfg.Err != nil {
		return cfg.Err
	}
	a, err := app.Open(ctx, cfg.app())
	if err != nil {
		return err
	}
	defer a.Close()
	if err := admin(ctx, a, cfg); err != nil {
		return err
	}
	return a.RunWorker(ctx, nil)
}

// admin starts the admin listener (/metrics, /livez, /readyz) when
// DUBAN_ADMIN_ADDR is set.
func admin(ctx context.Context, a *app.App, cfg Config) error {
	if cfg.AdminAddr == "" {
		return nil
	}
	return a.StartAdmin(ctx, cfg.AdminAddr, func(addr string) { slog.Info("admin listener (/metrics, /livez, /readyz)", "addr", addr) })
}

func bootstrapAdmin(ctx context.Context, args []string, cfg Config) error {
	if cfg.Err != nil {
		return cfg.Err
	}
	fs := flag.NewFlagSet("bootstrap-admin", flag.ContinueOnError)
	var b app.Bootstrap
	fs.StringVar(&b.Login, "login", "", "login of the administrator (required)")
	fs.StringVar(&b.Name, "name", "", "display name (default: the login)")
	fs.StringVar(&b.Tenant, "tenant", duban.RootCode, "tenant the administrator administers (000000: the nation)")
	fs.BoolVar(&b.Force, "force", false, "add this administrator although the tenant has one already")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DatabaseAdminURL == "" {
		return errors.New("DATABASE_ADMIN_URL (or DATABASE_URL) is required")
	}
	msg, err := app.BootstrapAdmin(ctx, cfg.DatabaseAdminURL, b)
	if err != nil {
		return err
	}
	fmt.Println(msg)
	return nil
}

// healthcheck asks a URL (default: this host's API /livez) and fails unless
// it answers 200 within 3 seconds: a container health check that needs no
// shell or curl in the image.
func healthcheck(ctx context.Context, args []string, cfg Config) error {
	u := "http://" + strings.Replace(cfg.Addr, "0.0.0.0", "127.0.0.1", 1) + "/livez"
	if len(args) > 0 {
		u = args[0]
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", u, r.Status)
	}
	return nil
}
