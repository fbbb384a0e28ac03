package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duban/duban/api"
	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/devstack"
	"github.com/duban/duban/internal/seed"
	"github.com/stretchr/testify/require"
)

// crashRig runs PostgreSQL and the Temporal dev server on persisted state,
// the worker as a separate `duban worker` process, and the API in-process,
// so that each can be killed and restarted.
type crashRig struct {
	t       *testing.T
	dir     string
	pgPort  int
	tPort   int
	tbin    string
	pg      *devstack.Postgres
	tmp     *devstack.Temporal
	worker  *exec.Cmd
	workerN int
	bin     string
	appURL  string
	queue   string
	log     *os.File
}

func (r *crashRig) startPG() {
	var err error
	r.pg, err = devstack.StartPostgres(context.Background(), devstack.PostgresOptions{Dir: filepath.Join(r.dir, "pg"), Port: r.pgPort, Log: r.log, Fsync: true})
	require.NoError(r.t, err)
}

func (r *crashRig) startTemporal() {
	var err error
	r.tmp, err = devstack.StartTemporal(context.Background(), devstack.TemporalOptions{Binary: r.tbin,
		HostPort: fmt.Sprintf("127.0.0.1:%d", r.tPort), DBFile: filepath.Join(r.dir, "temporal.db"), Log: r.log})
	require.NoError(r.t, err)
}

func (r *crashRig) startWorker() {
	r.workerN++
	cmd := exec.Command(r.bin, "worker")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+r.appURL, fmt.Sprintf("TEMPORAL_ADDRESS=127.0.0.1:%d", r.tPort), "DUBAN_TASK_QUEUE="+r.queue)
	cmd.Stdout, cmd.Stderr = r.log, r.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(r.t, cmd.Start())
	r.worker = cmd
}

// killWorker SIGKILLs the worker process, as a crash would.
func (r *crashRig) killWorker() {
	_ = r.worker.Process.Signal(syscall.SIGKILL)
	_ = r.worker.Wait()
}

// TestCrashAndRestartNothingLost launches a Henan campaign and, at several
// points, SIGKILLs the worker, restarts the Temporal dev server on its
// persisted file and restarts PostgreSQL. Afterwards every assignment exists
// once, no submission or sign-off is lost or applied twice, notifications
// are not duplicated and the audit chain verifies.
func TestCrashAndRestartNothingLost(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "duban-crash-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() {
		if t.Failed() { // keep the services' log for a look
			b, _ := os.ReadFile(filepath.Join(dir, "services.log"))
			_ = os.WriteFile(filepath.Join(os.TempDir(), "duban-crash-services.log"), b, 0o644)
		}
		os.RemoveAll(dir)
	})
	logf, err := os.Create(filepath.Join(dir, "services.log"))
	require.NoError(t, err)
	defer logf.Close()
	ctx := context.Background()
	r := &crashRig{t: t, dir: dir, pgPort: freePort(t), tPort: freePort(t), log: logf, queue: fmt.Sprintf("crash-%d", os.Getpid()), bin: filepath.Join(dir, "duban")}
	root := devstack.ModuleRoot()
	r.tbin, err = devstack.TemporalBinary(ctx, filepath.Join(root, ".duban", "bin"), os.Stderr)
	require.NoError(t, err)
	build := exec.Command("go", "build", "-o", r.bin, "../cmd/duban")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	r.startPG()
	defer func() { _ = r.pg.Stop() }()
	r.appURL, err = app.PrepareLocal(ctx, r.pg, "duban_crash_app")
	require.NoError(t, err)
	r.startTemporal()
	defer func() { _ = r.tmp.Stop() }()
	r.startWorker()
	defer r.killWorker()

	c, err := app.Open(ctx, app.Config{DatabaseURL: r.appURL, TemporalAddress: fmt.Sprintf("127.0.0.1:%d", r.tPort), TaskQueue: r.queue})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, seed.Apply(ctx, c.DB))
	require.NoError(t, c.Authz.Reload())
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer := &api.DevSigner{Key: key, Issuer: "test", Audience: "duban", TTL: 2 * time.Hour}
	srv := httptest.NewServer(c.Server(signer.Verifier(), nil).Handler())
	defer srv.Close()
	s := &stack{t: t, app: c, srv: srv, signer: signer, tokens: map[string]string{}, made: map[string]bool{}}
	s.db.AdminURL, s.restarts = r.pg.AdminURL("duban"), true

	// 1. kill the worker in the middle of the fan-out
	lr := s.retry(201, "henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "崩溃恢复", "scope": "41", "levels": []string{"city", "county"}}, "Idempotency-Key", "crash-1")
	id := lr.Body["id"].(string)
	eventually(t, time.Minute, func() bool { return s.countRows(`SELECT count(*) FROM assignments`) >= 30 }, "fan-out under way")
	r.killWorker()
	n := s.countRows(`SELECT count(*) FROM assignments`)
	require.Less(t, n, 198, "the kill came mid fan-out")
	r.startWorker()
	eventually(t, 3*time.Minute, func() bool {
		return s.countRows(`SELECT count(*) FROM assignments WHERE campaign_id = '`+id+`'`) == 198
	}, "fan-out completes after the crash")

	// 2. a campaign whose deadline passes while the worker is down
	due := time.Now().Add(20 * time.Second).UTC()
	br := s.retry(201, "henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "到期", "scope": "41", "levels": []string{"county"},
		"targets": []string{"410225"}, "phases": map[string]string{"main": due.Format(time.RFC3339)}})
	bid := br.Body["id"].(string) + ".410225"
	eventually(t, time.Minute, func() bool { return s.call("lankao-staff", "GET", "/v1/assignments/"+bid, nil).Status == 200 }, "assignment B")

	// 3. submissions while the worker is killed and restarted
	counties := s.listIDs("henan-planner", "/v1/assignments?campaign="+id+"&level=county&tenant=4101")
	require.Greater(t, len(counties), 10)
	var wg sync.WaitGroup
	for i, a := range counties {
		wg.Add(1)
		go func(a [3]string) {
			defer wg.Done()
			s.retry(200, s.staffOf(a[1]), "POST", "/v1/assignments/"+a[0]+"/submit", map[string]any{"report": report})
		}(a)
		if i == 4 {
			time.Sleep(200 * time.Millisecond)
			r.killWorker()
			time.Sleep(time.Until(due.Add(2 * time.Second))) // the deadline passes with no worker
			r.startWorker()
		}
	}
	wg.Wait()

	// 4. restart the Temporal dev server on its file; reviews go on
	require.NoError(t, r.tmp.Stop())
	r.startTemporal()
	for _, a := range counties {
		s.retry(200, s.reviewerAt(a[2]), "POST", "/v1/assignments/"+a[0]+"/review", map[string]any{"decision": "approve"})
	}

	// 5. restart PostgreSQL in the middle of the sign-offs
	for i, a := range counties {
		wg.Add(1)
		go func(a [3]string) {
			defer wg.Done()
			s.retry(200, "henan-planner", "POST", "/v1/assignments/"+a[0]+"/sign-off", map[string]any{})
		}(a)
		if i == 3 {
			require.NoError(t, r.pg.Stop())
			r.startPG()
		}
	}
	wg.Wait()

	// 6. a hazard and an accident reported while the worker is down, their
	// next steps across another kill
	r.killWorker()
	var hz, ac resp
	hbody, abody := hazardBody("410122"), accidentBody("410122", 3)
	wg.Add(2)
	go func() {
		defer wg.Done()
		hz = s.retry(201, "zhongmu-staff", "POST", "/v1/hazards", hbody, "Idempotency-Key", "crash-hazard")
	}()
	go func() {
		defer wg.Done()
		ac = s.retry(201, "zhongmu-staff", "POST", "/v1/accidents", abody, "Idempotency-Key", "crash-accident")
	}()
	time.Sleep(3 * time.Second)
	r.startWorker()
	wg.Wait()
	hid, aid := hz.Body["id"].(string), ac.Body["id"].(string)
	s.retry(200, "zhongmu-staff", "POST", "/v1/hazards/"+hid+"/rectify", map[string]any{"rectification": "已整改"})
	s.retry(200, "zhongmu-staff", "POST", "/v1/accidents/"+aid+"/forward", map[string]any{})
	r.killWorker()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.retry(200, "zhengzhou-reviewer", "POST", "/v1/hazards/"+hid+"/verify", map[string]any{"passed": true})
	}()
	time.Sleep(2 * time.Second)
	r.startWorker()
	wg.Wait()
	require.Equal(t, "closed", s.retry(200, "zhongmu-staff", "GET", "/v1/hazards/"+hid, nil).Body["state"])
	for _, c := range [][2]string{{"hazard_events WHERE hazard_id", "report"}, {"hazard_events WHERE hazard_id", "rectify"}, {"hazard_events WHERE hazard_id", "close"}} {
		require.Equal(t, 1, s.countRows(`SELECT count(*) FROM `+c[0]+` = '`+hid+`' AND action = '`+c[1]+`'`), c[1])
	}
	for _, action := range []string{"report", "forward"} {
		require.Equal(t, 1, s.countRows(`SELECT count(*) FROM accident_events WHERE accident_id = '`+aid+`' AND action = '`+action+`'`), action)
	}
	require.Equal(t, 1, s.countRows(`SELECT count(*) FROM hazards`))
	require.Equal(t, 1, s.countRows(`SELECT count(*) FROM accidents`))

	// nothing lost, nothing twice
	require.Equal(t, 198+1, s.countRows(`SELECT count(*) FROM assignments`))
	require.Equal(t, 0, s.countRows(`SELECT count(*) FROM (SELECT assignment_id FROM assignment_events WHERE action = 'assign' GROUP BY 1 HAVING count(*) <> 1) x`))
	require.Equal(t, 199, s.countRows(`SELECT count(DISTINCT assignment_id) FROM assignment_events WHERE action = 'assign'`))
	for _, a := range counties {
		got := s.call("henan-planner", "GET", "/v1/assignments/"+a[0], nil)
		require.Equal(t, "signed_off", got.Body["state"], a[0])
		for _, action := range []string{"submit", "approve", "sign_off"} {
			require.Equal(t, 1, s.countRows(`SELECT count(*) FROM assignment_events WHERE assignment_id = '`+a[0]+`' AND action = '`+action+`'`), "%s %s", a[0], action)
		}
		// notifications are delivered at least once (activities retry after
		// a crash) and de-duplicated by key: exactly one per submission
		q := `SELECT count(*) FROM notifications WHERE assignment_id = '` + a[0] + `' AND kind = 'submitted'`
		eventually(t, time.Minute, func() bool { return s.countRows(q) >= 1 }, "submitted notice for "+a[0])
		require.Equal(t, 1, s.countRows(q), a[0])
	}
	// the overdue step fired once, after the restart, to Lankao and the province
	var last resp
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		last = s.call("henan-planner", "GET", "/v1/assignments/"+bid, nil)
		if last.Body["escalation_level"] == float64(1) {
			break
		}
		require.True(t, time.Now().Before(deadline), "escalation after the deadline passed during the crash: %s", last.Raw)
	}
	require.Equal(t, 2, s.countRows(`SELECT count(*) FROM notifications WHERE assignment_id = '`+bid+`' AND kind = 'escalation.reminder'`))
	require.Equal(t, 0, s.countRows(`SELECT count(*) FROM (SELECT assignment_id, kind, created_at, tenant FROM notifications GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) x`))
	v := s.retry(200, "nation-admin", "GET", "/v1/audit/verify", nil)
	require.Equal(t, true, v.Body["ok"], string(v.Raw))
	t.Logf("worker started %d times; %d assignments before the first kill", r.workerN, n)
}

// retry repeats a call until it answers want (or 409 for a state change
// that already happened before a crash hid its answer), for up to 3 minutes.
func (s *stack) retry(want int, login, method, path string, body any, headers ...string) resp {
	deadline := time.Now().Add(3 * time.Minute)
	for attempt := 0; ; attempt++ {
		r := s.call(login, method, path, body, headers...)
		if r.Status == want || (r.Status == 409 && method != "GET" && want == 200) {
			return r
		}
		if r.Status < 500 && r.Status != 409 {
			s.t.Errorf("%s %s as %s: %d %s", method, path, login, r.Status, r.Raw)
			return r
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s %s as %s: still %d: %s", method, path, login, r.Status, r.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
