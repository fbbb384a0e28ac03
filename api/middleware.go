package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/duban/duban"
	"golang.org/x/time/rate"
)

// RateLimit configures per-user request limits.
type RateLimit struct {
	PerSecond float64 // sustained; 0 disables limiting
	Burst     int
}

// DefaultRateLimit is 20 requests/s sustained with bursts of 60, per user.
var DefaultRateLimit = RateLimit{PerSecond: 20, Burst: 60}

// limiter keeps one token bucket per key (user login, or client IP for
// unauthenticated calls), forgetting idle ones.
type limiter struct {
	cfg     RateLimit
	mu      sync.Mutex
	buckets map[string]*bucket
	last    time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(cfg RateLimit) *limiter {
	return &limiter{cfg: cfg, buckets: map[string]*bucket{}}
}

// allow reports whether key may proceed now, and if not how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.last) > time.Minute { // sweep idle buckets
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.last = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// bearer is the outcome of checking a request's bearer token, once.
type bearer struct {
	present bool   // an Authorization: Bearer header was sent
	login   string // the verified subject; "" when the token is bad
}

type bearerKey struct{}

// withBearer verifies the bearer token once per request, before the rate
// limiter, idempotency and authentication, which all read the result.
func (s *Server) withBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bearer
		if raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && raw != "" {
			b.present = true
			b.login, _ = s.Verifier.Verify(r.Context(), strings.TrimSpace(raw))
			if !duban.ValidLogin(b.login) { // a subject that cannot be a login is a bad token
				b.login = ""
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bearerKey{}, b)))
	})
}

// bearerOf returns what withBearer found.
func bearerOf(ctx context.Context) bearer {
	b, _ := ctx.Value(bearerKey{}).(bearer)
	return b
}

// rateKey names who is calling: the token's subject when it verifies,
// else the client address.
func (s *Server) rateKey(r *http.Request) string {
	if login := bearerOf(r.Context()).login; login != "" {
		return "u:" + login
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"title": title, "status": status, "detail": detail})
	_, _ = w.Write(b)
}

// withRateLimit answers 429 with Retry-After past the caller's budget.
func (s *Server) withRateLimit(next http.Handler) http.Handler {
	if s.RateLimit.PerSecond <= 0 {
		return next
	}
	l := newLimiter(s.RateLimit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		ok, wait := l.allow(s.rateKey(r), time.Now())
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeProblem(w, http.StatusTooManyRequests, "Too Many Requests", "rate limit exceeded: slow down and retry after the Retry-After seconds")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withCORS allows the configured origins only; none by default.
func (s *Server) withCORS(next http.Handler) http.Handler {
	if len(s.CORSOrigins) == 0 {
		return next
	}
	allowed := map[string]bool{}
	for _, o := range s.CORSOrigins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && allowed[origin] {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, X-Request-Id")
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
			h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
			h.Set("Access-Control-Max-Age", "600")
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// fileBodies are the operations that take a file (multipart), with their
// bound: attachments and registry imports.
var fileBodies = map[string]int64{"/v1/attachments": maxUploadBody, "/v1/registry/import": maxImportBody}

// withBodyChecks refuses, before any handler runs, bodies that are too
// large (413), not UTF-8 (400) or carry NUL characters, which PostgreSQL
// cannot store (422).
func withBodyChecks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if limit, ok := fileBodies[r.URL.Path]; ok && r.Method == http.MethodPost {
			// a file, not JSON: bounded here, type-checked by the operation
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "Bad Request", "cannot read the request body")
			return
		}
		if len(body) > MaxBodyBytes {
			writeProblem(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", "request bodies are limited to "+strconv.Itoa(MaxBodyBytes)+" bytes")
			return
		}
		if !utf8.Valid(body) {
			writeProblem(w, http.StatusBadRequest, "Bad Request", "the request body is not valid UTF-8")
			return
		}
		if bytes.Contains(body, []byte(`\u0000`)) || bytes.IndexByte(body, 0) >= 0 {
			writeProblem(w, http.StatusUnprocessableEntity, "Unprocessable Entity", "text must not contain NUL characters")
			return
		}
		if err := checkJSONKeys(body); err != nil {
			writeProblem(w, http.StatusUnprocessableEntity, "Unprocessable Entity",
				err.Error()+": each key may appear once, in one spelling / 同一字段不得重复（含大小写不同）")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
