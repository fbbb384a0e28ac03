package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban/duban/api"
	"github.com/duban/duban/egress"
	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/seed"
	"github.com/duban/duban/internal/testenv"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var queueSeq atomic.Int64

// stack is the real system for one test: its own database, the shared
// Temporal dev server with a task queue of its own, a worker and the API.
type stack struct {
	t   *testing.T
	app *app.App
	db  testenv.DB
	// adminPool: see admin()
	adminPool *pgxpool.Pool
	restarts  bool // the crash test restarts PostgreSQL
	srv       *httptest.Server
	signer    *api.DevSigner
	mu        sync.Mutex
	tokens    map[string]string
	made      map[string]bool
}

func startStack(t *testing.T) *stack { t.Helper(); return newStack(t, false) }

// startDevStack is startStack with the API in dev mode (persona login,
// dev tokens), as `duban dev` serves it: what the console tests drive.
func startDevStack(t *testing.T) *stack { t.Helper(); return newStack(t, true) }

func newStack(t *testing.T, dev bool) *stack { t.Helper(); return newStackWith(t, dev, nil) }

// newStackWith is newStack with the assembly's configuration adjusted first.
func newStackWith(t *testing.T, dev bool, tweak func(*app.Config)) *stack {
	t.Helper()
	d := testenv.NewDB(t)
	ts := testenv.Temporal(t)
	ctx := context.Background()
	queue := fmt.Sprintf("duban-test-%d-%d", os.Getpid(), queueSeq.Add(1))
	// tests drive many calls per persona
	cfg := app.Config{DatabaseURL: d.AppURL, TemporalAddress: ts.FrontendHostPort(), TaskQueue: queue,
		RateLimit: api.RateLimit{PerSecond: 10000, Burst: 10000}, Egress: loopbackEgress, BlobURL: "file://" + t.TempDir()}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := app.Open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	require.NoError(t, seed.Apply(ctx, c.DB))
	require.NoError(t, c.Authz.Reload())
	require.NoError(t, c.StartWorker(nil))
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer := &api.DevSigner{Key: key, Issuer: "test", Audience: "duban", TTL: time.Hour}
	var devSigner *api.DevSigner
	if dev {
		devSigner = signer
	}
	srv := httptest.NewServer(c.Server(signer.Verifier(), devSigner).Handler())
	t.Cleanup(srv.Close)
	return &stack{t: t, app: c, db: d, srv: srv, signer: signer, tokens: map[string]string{}, made: map[string]bool{}}
}

// multipartFile as a call's body is sent as multipart/form-data (field "file").
type multipartFile struct {
	name    string
	content []byte
}

type resp struct {
	Status int
	Body   map[string]any
	Raw    []byte
}

func (s *stack) call(login, method, path string, body any, headers ...string) resp {
	s.t.Helper()
	return s.callWith(http.DefaultClient, login, method, path, body, headers...)
}

// callWith is call through the given HTTP client.
func (s *stack) callWith(client *http.Client, login, method, path string, body any, headers ...string) resp {
	s.t.Helper()
	var rd io.Reader
	contentType := "application/json"
	if f, ok := body.(multipartFile); ok {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, err := w.CreateFormFile("file", f.name)
		require.NoError(s.t, err)
		_, _ = fw.Write(f.content)
		require.NoError(s.t, w.Close())
		rd, contentType = &buf, w.FormDataContentType()
	} else if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	require.NoError(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if login != "" {
		s.mu.Lock()
		tok, ok := s.tokens[login]
		if !ok {
			tok, err = s.signer.Sign(login, time.Now())
			s.tokens[login] = tok
		}
		s.mu.Unlock()
		require.NoError(s.t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
		if headers[i] == "Connection" && headers[i+1] == "close" {
			req.Close = true
		}
	}
	t0 := time.Now()
	r, err := client.Do(req)
	require.NoError(s.t, err)
	defer r.Body.Close()
	if os.Getenv("DUBAN_DEBUG_CALLS") != "" {
		fmt.Fprintf(os.Stderr, "DEBUG %s %d %s %s as %s after %v\n", t0.Format("15:04:05.000"), r.StatusCode, method, path, login, time.Since(t0))
	}
	raw, _ := io.ReadAll(r.Body)
	out := resp{Status: r.StatusCode, Raw: raw, Body: map[string]any{}}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.Body)
	}
	return out
}

// eventually polls fn until it is true or the time is up.
func eventually(t *testing.T, within time.Duration, fn func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// loopbackEgress lets tests register and call webhook receivers on this
// machine's loopback (an operator's DUBAN_WEBHOOK_ALLOW would); nothing
// else private is reachable.
var loopbackEgress = egress.Policy{AllowHTTP: true, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
