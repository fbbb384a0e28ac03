package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/duban/duban/api"
	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/internal/seed"
)

// runCluster is the production rehearsal on one machine: PostgreSQL, a
// Temporal cluster built from go.temporal.io/server (the release the CLI's
// dev server embeds) with its frontend, history, matching and internal
// worker as separate processes on PostgreSQL, then `duban migrate`, two
// `duban serve` and two `duban worker` processes. It runs until Ctrl-C.
func runCluster(ctx context.Context, out io.Writer) error {
	root := devstack.ModuleRoot()
	if root == "" {
		return fmt.Errorf("run it from the repository")
	}
	bin := filepath.Join(root, ".duban", "bin")
	server, err := devstack.GoInstall(ctx, bin, "server", devstack.TemporalServerModule, out)
	if err != nil {
		return err
	}
	tool, err := devstack.GoInstall(ctx, bin, "sql", devstack.TemporalSQLToolModule, out)
	if err != nil {
		return err
	}
	schema, err := devstack.ModuleDir(ctx, "go.temporal.io/server@v1.29.1")
	if err != nil {
		return err
	}
	dir := filepath.Join(root, ".duban", "cluster")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintln(out, "Starting PostgreSQL…")
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "pg"), Port: 54339})
	if err != nil {
		return err
	}
	defer pg.Stop()
	fmt.Fprintln(out, "Starting the Temporal cluster (frontend, history, matching, worker)…")
	cl, err := devstack.StartTemporalCluster(ctx, devstack.ClusterOptions{Dir: filepath.Join(dir, "temporal"), Postgres: pg, Server: server, SQLTool: tool,
		SchemaDir: filepath.Join(schema, "schema", "postgresql", "v12"), Shards: 8, Log: out})
	if err != nil {
		return err
	}
	defer cl.Stop()
	appURL, err := app.PrepareLocal(ctx, pg, "duban_cluster_app")
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Config{DatabaseURL: appURL, TemporalAddress: cl.FrontendHostPort()})
	if err != nil {
		return err
	}
	if err := seed.Apply(ctx, a.DB); err != nil {
		return err
	}
	a.Close()
	duban := filepath.Join(bin, "duban")
	build := exec.CommandContext(ctx, "go", "build", "-o", duban, "./cmd/duban")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build duban: %v: %s", err, b)
	}
	env := append(os.Environ(), "DATABASE_URL="+appURL, "TEMPORAL_ADDRESS="+cl.FrontendHostPort(), "DUBAN_LOG_FORMAT=json",
		"AUTH_ISSUER=duban-cluster", "AUTH_AUDIENCE=duban", "DUBAN_PII_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AUTH_PUBLIC_KEY_FILE="+filepath.Join(dir, "dev-key.pub"))
	signer, err := writeDevKey(dir)
	if err != nil {
		return err
	}
	var procs []*exec.Cmd
	for i, role := range []string{"serve", "serve", "worker", "worker"} {
		cmd := exec.CommandContext(ctx, duban, role)
		cmd.Env = append(env, fmt.Sprintf("DUBAN_ADDR=127.0.0.1:%d", 8091+i), fmt.Sprintf("DUBAN_ADMIN_ADDR=127.0.0.1:%d", 9091+i))
		logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.log", role, i)))
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return err
		}
		procs = append(procs, cmd)
	}
	fmt.Fprintf(out, `
The production rehearsal is running. Ctrl-C stops everything.
  Temporal frontend  %s (history, matching and worker: separate processes; logs in %s)
  API replicas       http://127.0.0.1:8091  http://127.0.0.1:8092
  Metrics            http://127.0.0.1:9091/metrics … :9094 (serve, serve, worker, worker)
  PostgreSQL         postgres://postgres@127.0.0.1:%d/duban
Tokens (12 h), signed with the key the replicas trust (AUTH_PUBLIC_KEY_FILE):
`, cl.FrontendHostPort(), filepath.Join(dir, "temporal"), pg.Port)
	for _, p := range seed.Personas {
		tok, _ := signer.Sign(p.Login, time.Now())
		fmt.Fprintf(out, "  %-20s %s\n", p.Login, tok)
	}
	<-ctx.Done()
	for _, p := range procs {
		_ = p.Process.Signal(os.Interrupt)
	}
	for _, p := range procs {
		_ = p.Wait()
	}
	return nil
}

// writeDevKey makes the rehearsal's token key: the replicas verify with its
// public half (AUTH_PUBLIC_KEY_FILE), the command signs the tokens it prints.
func writeDevKey(dir string) (*api.DevSigner, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "dev-key.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return &api.DevSigner{Key: key, Issuer: "duban-cluster", Audience: "duban", TTL: 12 * time.Hour}, nil
}
