// Command duban is Duban's one binary: serve (HTTP API), worker (Temporal
// worker), migrate, and dev (everything on an embedded default).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `duban — 督办 safety-supervision campaigns

Usage:
  duban dev [--reset] [--dir .duban] [--addr 127.0.0.1:8080]   everything on one machine
  duban serve      HTTP API (configured by environment, see README)
  duban worker     Temporal worker
  duban migrate    apply database migrations and import the tenant tree
  duban loadtest [--url http://127.0.0.1:8080] [--rate 100] [--duration 20s] [--workers 16]
                   bounded mixed load against a dev-mode API on this machine
  duban bench [fanout|townships|reads|update]...
                   benchmarks against baselines measured in the same run (BENCHMARKS.md)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "duban:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Print(usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "dev":
		cfg, err := parseDevFlags(args[1:])
		if err != nil {
			return err
		}
		d := &Dev{Config: cfg, Out: os.Stdout}
		defer d.Close()
		return d.Run(ctx)
	case "serve":
		return serve(ctx, configFromEnv())
	case "worker":
		return runWorker(ctx, configFromEnv())
	case "migrate":
		return migrate(ctx, configFromEnv())
	case "loadtest":
		cfg, err := parseLoadFlags(args[1:])
		if err != nil {
			return err
		}
		rep, err := RunLoad(ctx, cfg)
		if err != nil {
			return err
		}
		rep.Print(os.Stdout)
		if rep.Server5xx > 0 {
			return fmt.Errorf("%d server errors (5xx)", rep.Server5xx)
		}
		return nil
	case "bench":
		return runBench(ctx, args[1:], os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
