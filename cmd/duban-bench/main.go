// Command duban-bench measures Duban against baselines measured in the same
// run (BENCHMARKS.md) and drives a bounded load test against a dev-mode API
// on this machine. It is not part of the production binary.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/load"
)

const usage = `duban-bench — benchmarks and load test for Duban 督办

Usage:
  duban-bench [fanout|townships|reads|update|console|registry|audit|inbox]...
                   benchmarks on a throwaway stack, each with its baselines (BENCHMARKS.md)
  duban-bench cluster
                   the production rehearsal: a Temporal cluster built from source on PostgreSQL (frontend,
                   history, matching, worker as separate processes), two serve and two worker replicas
  duban-bench loadtest [--url http://127.0.0.1:8080] [--rate 100] [--duration 20s] [--workers 16]
                   bounded mixed load against a running duban dev on this machine
`

func main() {
	// the API's request log would drown the figures: warnings and errors only
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	app.Main("duban-bench", run)
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "--help":
			fmt.Print(usage)
			return nil
		case "cluster":
			return runCluster(ctx, os.Stdout)
		case "loadtest":
			cfg, err := load.ParseFlags(args[1:])
			if err != nil {
				return err
			}
			rep, err := load.Run(ctx, cfg)
			if err != nil {
				return err
			}
			rep.Print(os.Stdout)
			if rep.Server5xx > 0 {
				return fmt.Errorf("%d server errors (5xx)", rep.Server5xx)
			}
			return nil
		}
	}
	return runBench(ctx, args, os.Stdout)
}
