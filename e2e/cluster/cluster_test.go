//go:build cluster

// Package cluster proves the production topology on this machine: a
// Temporal cluster built from source on PostgreSQL (frontend, history,
// matching and worker as separate processes), two `duban serve` and two
// `duban worker` processes; a Henan campaign launched through one API
// replica and worked through the other while a worker, the history
// service and an API replica are killed with SIGKILL and restarted — mid
// fan-out, mid approvals and mid sign-off.
// Nothing may be lost or done twice. It builds the Temporal server once
// (about 7 minutes, into .duban/bin) and runs in .ci/run:
//
//	go test -tags cluster ./e2e/cluster
package cluster

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/internal/seed"
	"github.com/duban/duban/postgres"
	"github.com/stretchr/testify/require"
)

type proc struct {
	cmd  *exec.Cmd
	args []string
	env  []string
	log  string
	done chan struct{}
}

func start(t *testing.T, bin string, env []string, log string, args ...string) *proc {
	p := &proc{args: args, env: env, log: log}
	p.run(t, bin)
	return p
}

func (p *proc) run(t *testing.T, bin string) {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	p.cmd = exec.Command(bin, p.args...)
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = p.env, f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, p.cmd.Start())
	p.done = make(chan struct{})
	go func() { _ = p.cmd.Wait(); f.Close(); close(p.done) }()
}

// kill sends SIGKILL and waits until the process is gone.
func (p *proc) kill() { _ = p.cmd.Process.Signal(syscall.SIGKILL); <-p.done }

func TestClusterSurvivesFaults(t *testing.T) {
	ctx := context.Background()
	root := devstack.ModuleRoot()
	require.NotEmpty(t, root)
	binDir := filepath.Join(root, ".duban", "bin")
	server, err := devstack.GoInstall(ctx, binDir, "server", devstack.TemporalServerModule, os.Stderr)
	require.NoError(t, err)
	tool, err := devstack.GoInstall(ctx, binDir, "sql", devstack.TemporalSQLToolModule, os.Stderr)
	require.NoError(t, err)
	schema, err := devstack.ModuleDir(ctx, "go.temporal.io/server@v1.29.1")
	require.NoError(t, err)

	dir, err := os.MkdirTemp("", "duban-cluster-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		} else {
			t.Logf("logs kept in %s", dir)
		}
	})
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "pg")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pg.Stop() })
	cl, err := devstack.StartTemporalCluster(ctx, devstack.ClusterOptions{Dir: filepath.Join(dir, "temporal"), Postgres: pg, Server: server, SQLTool: tool,
		SchemaDir: filepath.Join(schema, "schema", "postgresql", "v12"), Shards: 8, BasePort: 27233})
	require.NoError(t, err)
	t.Cleanup(cl.Stop)
	appURL, err := app.PrepareLocal(ctx, pg, "duban_cluster_app")
	require.NoError(t, err)
	a, err := app.Open(ctx, app.Config{DatabaseURL: appURL, TemporalAddress: cl.FrontendHostPort()})
	require.NoError(t, err)
	require.NoError(t, seed.Apply(ctx, a.DB))
	a.Close()

	dubanBin := filepath.Join(dir, "duban")
	b := exec.Command("go", "build", "-o", dubanBin, "./cmd/duban")
	b.Dir = root
	out, err := b.CombinedOutput()
	require.NoError(t, err, string(out))
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644))
	signer := &api.DevSigner{Key: key, Issuer: "cluster", Audience: "duban", TTL: time.Hour}
	env := append(os.Environ(), "DATABASE_URL="+appURL, "TEMPORAL_ADDRESS="+cl.FrontendHostPort(), "AUTH_ISSUER=cluster", "AUTH_AUDIENCE=duban", "DUBAN_PII_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"AUTH_PUBLIC_KEY_FILE="+filepath.Join(dir, "key.pub"), "DUBAN_RATE_LIMIT=0")
	with := func(extra ...string) []string { return append(append([]string(nil), env...), extra...) } // a copy per process
	apiA := start(t, dubanBin, with("DUBAN_ADDR=127.0.0.1:28091"), filepath.Join(dir, "serve-a.log"), "serve")
	apiB := start(t, dubanBin, with("DUBAN_ADDR=127.0.0.1:28092"), filepath.Join(dir, "serve-b.log"), "serve")
	w1 := start(t, dubanBin, env, filepath.Join(dir, "worker-1.log"), "worker")
	w2 := start(t, dubanBin, env, filepath.Join(dir, "worker-2.log"), "worker")
	t.Cleanup(func() {
		for _, p := range []*proc{apiA, apiB, w1, w2} {
			_ = p.cmd.Process.Signal(os.Interrupt)
		}
	})
	A, B := "http://127.0.0.1:28091", "http://127.0.0.1:28092"
	call := func(base, login, method, path string, body any) (int, map[string]any) {
		tok, _ := signer.Sign(login, time.Now())
		var rd io.Reader
		if body != nil {
			bs, _ := json.Marshal(body)
			rd = strings.NewReader(string(bs))
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer r.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		return r.StatusCode, m
	}
	waitFor := func(within time.Duration, what string, ok func() bool) {
		deadline := time.Now().Add(within)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out: %s", what)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	waitFor(60*time.Second, "both API replicas answer", func() bool {
		sa, _ := call(A, "henan-planner", "GET", "/v1/me", nil)
		sb, _ := call(B, "henan-planner", "GET", "/v1/me", nil)
		return sa == 200 && sb == 200
	})

	// launch through A; mid fan-out, SIGKILL a worker, the history service and API replica A
	st, c := call(A, "henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "house-survey", "title": "河南房屋排查（故障演练）", "scope": "41", "levels": []string{"city", "county"}})
	require.Equal(t, 201, st, "%v", c)
	id := c["id"].(string)
	total := func() int {
		_, p := call(B, "henan-planner", "GET", "/v1/assignments?campaign="+id+"&limit=1", nil)
		n, _ := p["total"].(float64)
		return int(n)
	}
	waitFor(2*time.Minute, "the fan-out begins", func() bool { return total() >= 20 })
	// fault SIGKILLs a worker, the history service and an API replica, and
	// starts them again
	fault := func(w, api *proc) {
		w.kill()
		cl.Kill("history")
		api.kill()
		time.Sleep(2 * time.Second)
		require.NoError(t, cl.Start("history"))
		w.run(t, dubanBin)
		api.run(t, dubanBin)
	}
	// reach posts an act until the assignment is in state; a 409 means a
	// retry whose answer was lost did it already, which the read confirms
	reach := func(base, login, tenant, act string, body map[string]any, state string) {
		waitFor(2*time.Minute, act+" "+tenant, func() bool {
			st, a := call(base, login, "POST", "/v1/assignments/"+id+"."+tenant+"/"+act, body)
			if st == 409 {
				_, a = call(base, login, "GET", "/v1/assignments/"+id+"."+tenant, nil)
			}
			return a["state"] == state
		})
	}
	fault(w1, apiA)
	waitFor(5*time.Minute, "every assignment of Henan exists after the faults", func() bool { return total() == 198 })

	// work it through the other replica; mid approvals, the same faults again
	for _, s := range []struct{ login, tenant string }{{"zhongmu-staff", "410122"}, {"lankao-staff", "410225"}} {
		waitFor(time.Minute, "submit "+s.tenant, func() bool {
			st, _ := call(B, s.login, "POST", "/v1/assignments/"+id+"."+s.tenant+"/submit", map[string]any{"report": map[string]any{
				"buildings_surveyed": 10, "self_built_business": 1, "public_buildings": 1, "hazards_found": 1, "hazards_rectified": 1, "summary": "完成"}})
			return st == 200
		})
	}
	fault(w2, apiB)
	reach(A, "zhengzhou-reviewer", "410122", "review", map[string]any{"decision": "approve"}, "approved")
	reach(A, "henan-planner", "410225", "review", map[string]any{"decision": "approve"}, "approved")

	// mid sign-off: the third round of faults, then the province signs both off through B
	fault(w1, apiA)
	for _, tenant := range []string{"410122", "410225"} {
		reach(B, "henan-planner", tenant, "sign-off", map[string]any{}, "signed_off")
	}

	// nothing lost, nothing twice
	db, err := postgres.Open(ctx, pg.AdminURL("duban"))
	require.NoError(t, err)
	defer db.Close()
	var n, distinct int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT tenant) FROM assignments WHERE campaign_id = $1`, id).Scan(&n, &distinct))
	require.Equal(t, 198, n)
	require.Equal(t, 198, distinct, "every assignment once")
	rows, err := db.Pool.Query(ctx, `SELECT assignment_id, action, count(*) FROM assignment_events WHERE action IN ('submit', 'approve', 'sign_off') GROUP BY 1, 2`)
	require.NoError(t, err)
	for rows.Next() {
		var aid, action string
		var k int
		require.NoError(t, rows.Scan(&aid, &action, &k))
		require.Equal(t, 1, k, "%s %s recorded %d times", aid, action, k)
	}
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) - count(DISTINCT (tenant, kind, assignment_id, title_zh)) FROM notifications`).Scan(&n))
	require.Zero(t, n, "no notification twice")
	broken, checked, err := db.VerifyAudit(ctx, duban.SystemScope, true)
	require.NoError(t, err)
	require.Nil(t, broken, "the audit chains verify")
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM assignment_events WHERE action = 'sign_off'`).Scan(&n))
	require.Equal(t, 2, n, "two sign-offs, each once")
	t.Logf("198 assignments, %d audit events verified; faults (a worker, history, an API replica) mid fan-out, mid approvals, mid sign-off", checked)
}
