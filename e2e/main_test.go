package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/devstack"
	"github.com/stretchr/testify/require"
)

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDevBootsAndIsReady boots the real dev command (PostgreSQL and Temporal
// child processes, migrations, seed, API) and gets /readyz 200, a dev token
// and a tenant; then stops it and boots it again on the same state.
func TestDevBootsAndIsReady(t *testing.T) {
	dir, err := os.MkdirTemp("", "duban-dev-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	root := devstack.ModuleRoot()
	require.NotEmpty(t, root)

	for round := 1; round <= 2; round++ {
		cfg := app.DevConfig{Dir: filepath.Join(dir, "state"), Addr: "127.0.0.1:0", PGPort: freePort(t),
			TemporalPort: freePort(t), TemporalMemory: true, ToolsDir: filepath.Join(root, ".duban", "bin")}
		out := &syncBuffer{}
		addrc := make(chan string, 1)
		d := &app.Dev{Config: cfg, Out: out, Ready: func(a string) { addrc <- a }}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- d.Run(ctx) }()
		var addr string
		select {
		case addr = <-addrc:
		case err := <-errc:
			t.Fatalf("dev exited: %v\n%s", err, out.String())
		case <-time.After(8 * time.Minute):
			t.Fatalf("dev did not become ready\n%s", out.String())
		}
		base := "http://" + addr
		resp, err := http.Get(base + "/readyz")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, "round %d", round)
		require.Contains(t, out.String(), "/docs")
		require.Contains(t, out.String(), "henan-planner")

		resp, err = http.Post(base+"/v1/dev/tokens", "application/json", strings.NewReader(`{"user":"henan-planner"}`))
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		var tok struct{ Token string }
		require.NoError(t, jsonDecode(resp, &tok))
		req, _ := http.NewRequest("GET", base+"/v1/tenants/410225", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		var tenant struct{ Supervisor string }
		require.NoError(t, jsonDecode(resp, &tenant))
		require.Equal(t, "41", tenant.Supervisor)

		cancel()
		select {
		case err := <-errc:
			require.NoError(t, err)
		case <-time.After(time.Minute):
			t.Fatal("dev did not stop")
		}
		d.Close()
		fmt.Fprintf(os.Stderr, "dev round %d ok\n", round)
	}
}

func TestMissingPostgresMessage(t *testing.T) {
	require.Contains(t, devstack.ErrNoPostgres.Error(), "apt-get install -y postgresql")
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
