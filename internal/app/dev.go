package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/duban/duban/pii"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/duban/duban/api"
	"github.com/duban/duban/division"
	"github.com/duban/duban/egress"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/internal/seed"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
)

// DevConfig configures `duban dev`.
type DevConfig struct {
	Dir          string // state directory (.duban)
	Reset        bool   // wipe Dir first
	Addr         string // API address
	PGPort       int
	TemporalPort int
	UIPort       int
	// TemporalMemory keeps Temporal state in memory instead of Dir (tests).
	TemporalMemory bool
	// ToolsDir holds the temporal CLI when none is on PATH (default Dir/bin).
	ToolsDir string
	// RateLimit, CORSOrigins and Version configure the API.
	RateLimit   api.RateLimit
	CORSOrigins []string
	Version     string
	// Egress: dev mode allows plain http; private targets only as listed.
	Egress egress.Policy
	// BlobURL keeps attachments (default: the directory Dir/blobs).
	BlobURL string
	// ScanCommand is the virus-scan hook for uploads (none: off).
	ScanCommand []string
	// AdminAddr serves /metrics, /livez and /readyz (none: off).
	AdminAddr string
}

// Dev runs the whole system on one machine: PostgreSQL and a Temporal dev
// server as child processes, migrations, seed, worker and API.
type Dev struct {
	Config DevConfig
	Out    io.Writer
	// Ready, when set, is called with the API address once everything is up.
	Ready func(apiAddr string)

	pg  *devstack.Postgres
	tmp *devstack.Temporal
	app *App
}

// DevAppRole is the login role the dev API and worker connect as.
const DevAppRole = "duban_dev_app"

// Run starts everything and blocks until ctx ends.
func (d *Dev) Run(ctx context.Context) error {
	c := d.Config
	out := d.Out
	if out == nil {
		out = os.Stdout
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return err
	}
	if c.Reset {
		fmt.Fprintf(out, "Wiping %s\n", dir)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "services.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()

	fmt.Fprintln(out, "Starting PostgreSQL…")
	d.pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "pg"), Port: c.PGPort, Log: logf, Fsync: true})
	if err != nil {
		if errors.Is(err, devstack.ErrNoPostgres) {
			return errors.New("PostgreSQL is not installed: run `apt-get install -y postgresql` (Debian/Ubuntu) and try again")
		}
		return fmt.Errorf("PostgreSQL: %w", err)
	}
	appURL, err := PrepareLocal(ctx, d.pg, DevAppRole)
	if err != nil {
		return err
	}

	tools := c.ToolsDir
	if tools == "" {
		tools = filepath.Join(dir, "bin")
	}
	bin, err := devstack.TemporalBinary(ctx, tools, out)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Starting the Temporal dev server…")
	topts := devstack.TemporalOptions{Binary: bin, HostPort: "127.0.0.1:" + strconv.Itoa(c.TemporalPort),
		UI: c.UIPort > 0, UIPort: strconv.Itoa(c.UIPort), Log: logf}
	if !c.TemporalMemory {
		topts.DBFile = filepath.Join(dir, "temporal.db")
	}
	d.tmp, err = devstack.StartTemporal(ctx, topts)
	if err != nil {
		return err
	}

	blobURL := c.BlobURL
	if blobURL == "" {
		blobs := filepath.Join(dir, "blobs")
		if err := os.MkdirAll(blobs, 0o755); err != nil {
			return err
		}
		blobURL = "file://" + blobs
	}
	keys, err := pii.LoadOrCreate(filepath.Join(dir, "pii.key"))
	if err != nil {
		return fmt.Errorf("personal-data key: %w", err)
	}
	d.app, err = Open(ctx, Config{DatabaseURL: appURL, TemporalAddress: d.tmp.FrontendHostPort(), RateLimit: c.RateLimit,
		CORSOrigins: c.CORSOrigins, Version: c.Version, Egress: c.Egress, BlobURL: blobURL, ScanCommand: c.ScanCommand, PII: keys})
	if err != nil {
		return err
	}
	if c.AdminAddr != "" {
		if err := d.app.StartAdmin(ctx, c.AdminAddr, nil); err != nil {
			return err
		}
	}
	if err := seed.Apply(ctx, d.app.DB); err != nil {
		return err
	}
	if err := d.app.Authz.Reload(); err != nil {
		return err
	}
	if err := d.app.StartWorker(nil); err != nil {
		return err
	}
	signer, err := devSigner(filepath.Join(dir, "dev-signing-key"))
	if err != nil {
		return err
	}
	h := d.app.Server(signer.Verifier(), signer).Handler()
	return Serve(ctx, c.Addr, h, func(addr string) {
		d.banner(out, addr)
		if d.Ready != nil {
			d.Ready(addr)
		}
	})
}

func (d *Dev) banner(out io.Writer, addr string) {
	base := "http://" + addr
	var b strings.Builder
	fmt.Fprintf(&b, "\nDuban 督办 is running (dev mode). Ctrl-C stops everything.\n\n")
	fmt.Fprintf(&b, "  Console 工作台    %s/   (log in as any persona below)\n", base)
	fmt.Fprintf(&b, "  API              %s/v1\n", base)
	fmt.Fprintf(&b, "  API docs         %s/docs   (OpenAPI: %s/openapi.json)\n", base, base)
	fmt.Fprintf(&b, "  Health           %s/readyz\n", base)
	if d.Config.AdminAddr != "" {
		fmt.Fprintf(&b, "  Metrics          http://%s/metrics\n", d.Config.AdminAddr)
	}
	if d.tmp.UIAddress != "" {
		fmt.Fprintf(&b, "  Temporal Web UI  %s\n", d.tmp.UIAddress)
	}
	fmt.Fprintf(&b, "  Temporal         %s (namespace default)\n", d.tmp.FrontendHostPort())
	fmt.Fprintf(&b, "  PostgreSQL       postgres://postgres@127.0.0.1:%d/duban (data in %s)\n\n", d.pg.Port, d.pg.Dir)
	fmt.Fprintf(&b, "Get a token for a seeded persona, then call the API with it:\n")
	fmt.Fprintf(&b, "  TOKEN=$(curl -s -X POST %s/v1/dev/tokens -H 'Content-Type: application/json' -d '{\"user\":\"henan-planner\"}' | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')\n", base)
	fmt.Fprintf(&b, "  curl -H \"Authorization: Bearer $TOKEN\" '%s/v1/tenants?parent=41'\n\n", base)
	fmt.Fprintf(&b, "Personas:")
	for _, p := range seed.Personas {
		fmt.Fprintf(&b, " %s", p.Login)
	}
	fmt.Fprintln(&b)
	fmt.Fprint(out, b.String())
}

// Close stops everything Run started, in reverse order.
func (d *Dev) Close() {
	if d.app != nil {
		d.app.Close()
	}
	if d.tmp != nil {
		_ = d.tmp.Stop()
	}
	if d.pg != nil {
		_ = d.pg.Stop()
	}
}

// PrepareLocal creates the `duban` database on a local cluster when
// missing, migrates it, imports the tenant tree and creates appRole (a
// member of duban_app that owns nothing); it returns appRole's URL.
func PrepareLocal(ctx context.Context, pg *devstack.Postgres, appRole string) (string, error) {
	if err := ensureDatabase(ctx, pg.AdminURL("postgres"), "duban"); err != nil {
		return "", err
	}
	tenants, err := division.Tenants()
	if err != nil {
		return "", err
	}
	if err := postgres.Migrate(ctx, pg.AdminURL("duban"), tenants); err != nil {
		return "", err
	}
	if err := postgres.Provision(ctx, pg.AdminURL("duban"), appRole); err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/duban?sslmode=disable", appRole, pg.Port), nil
}

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	}
	return err
}

// devSigner loads or creates the dev signing key, so tokens survive restarts.
func devSigner(path string) (*api.DevSigner, error) {
	seedBytes, err := os.ReadFile(path)
	if err != nil || len(seedBytes) != ed25519.SeedSize {
		seedBytes = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seedBytes); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, seedBytes, 0o600); err != nil {
			return nil, err
		}
	}
	return &api.DevSigner{Key: ed25519.NewKeyFromSeed(seedBytes), Issuer: "duban-dev", Audience: "duban", TTL: 12 * time.Hour}, nil
}
