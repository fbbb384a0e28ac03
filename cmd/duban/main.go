// Command duban is Duban's one binary: serve (HTTP API), worker (Temporal
// worker), migrate, and dev (everything on an embedded default).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/duban/duban/api"
	"github.com/duban/duban/egress"
	"github.com/duban/duban/internal/app"
)

const usage = `duban — 督办 safety-supervision campaigns

Usage:
  duban dev [--reset] [--dir .duban] [--addr 127.0.0.1:8080]   everything on one machine
  duban serve      HTTP API (configured by environment, see README)
  duban worker     Temporal worker
  duban migrate    apply database migrations and import the tenant tree
  duban openapi    print the OpenAPI document (the console's client is generated from it)
  duban healthcheck [URL]   exit 0 when URL (default: DUBAN_ADDR's /livez) answers 200 (for images without curl)
  duban bootstrap-admin --login L --name N --tenant 000000 [--force]
                   create the first administrator of a fresh database (idempotent, audited)

Benchmarks and the load test are a separate command: go run ./cmd/duban-bench
`

func main() { app.Main("duban", run) }

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Print(usage)
		return flag.ErrHelp
	}
	format := "json"
	if args[0] == "dev" {
		format = "text"
	}
	if err := setupLogging(format); err != nil {
		return err
	}
	switch args[0] {
	case "dev", "serve", "worker":
		flush, err := app.SetupTracing(ctx, "duban-"+args[0])
		if err != nil {
			return fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
		}
		defer func() { _ = flush(context.WithoutCancel(ctx)) }()
	}
	switch args[0] {
	case "dev":
		cfg, err := parseDevFlags(args[1:], configFromEnv())
		if err != nil {
			return err
		}
		d := &app.Dev{Config: cfg, Out: os.Stdout}
		defer d.Close()
		return d.Run(ctx)
	case "serve":
		return serve(ctx, configFromEnv())
	case "worker":
		return runWorker(ctx, configFromEnv())
	case "migrate":
		cfg := configFromEnv()
		if cfg.Err != nil {
			return cfg.Err
		}
		return app.Migrate(ctx, cfg.DatabaseAdminURL)
	case "healthcheck":
		return healthcheck(ctx, args[1:], configFromEnv())
	case "bootstrap-admin":
		return bootstrapAdmin(ctx, args[1:], configFromEnv())
	case "openapi":
		b, err := api.OpenAPI()
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(append(b, '\n'))
		return err
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func parseDevFlags(args []string, env Config) (app.DevConfig, error) {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	c := app.DevConfig{RateLimit: env.RateLimit, CORSOrigins: env.CORSOrigins, Version: Version,
		Egress: egress.Policy{AllowHTTP: true, Allow: env.WebhookAllow}, BlobURL: env.BlobURL, ScanCommand: env.ScanCommand, AdminAddr: env.AdminAddr}
	if env.Err != nil {
		return c, env.Err
	}
	fs.StringVar(&c.Dir, "dir", ".duban", "state directory (PostgreSQL data, Temporal database, tools)")
	fs.BoolVar(&c.Reset, "reset", false, "wipe the state directory first")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "API listen address")
	fs.IntVar(&c.PGPort, "pg-port", 54329, "PostgreSQL port")
	fs.IntVar(&c.TemporalPort, "temporal-port", 7233, "Temporal frontend port")
	fs.IntVar(&c.UIPort, "ui-port", 8233, "Temporal Web UI port")
	err := fs.Parse(args)
	return c, err
}
