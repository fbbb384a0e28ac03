package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/duban/duban"
)

// The one idempotency scheme. Every creating POST that carries an
// Idempotency-Key claims (user, key) atomically before anything else runs:
// one request wins and runs; a concurrent one with the same body waits for
// the winner's answer (409 if it takes longer than IdempotencyWait), and one
// with a different body is always 422. A 2xx answer is kept for the key's
// lifetime and replayed; any other answer releases the claim, so a retry
// runs again. Handlers derive the ids of what they create from the key
// (objectID), so a retry after a failure half-way finds the same object.

// IdempotencyWait bounds how long a duplicate waits for the winner.
const IdempotencyWait = 15 * time.Second

type idemKey struct{}

// idemClaim is what a request that won its claim carries in its context.
type idemClaim struct{ key, hash string }

// idempotencyKey returns the claimed key of this request, or "".
func idempotencyKey(ctx context.Context) string {
	c, _ := ctx.Value(idemKey{}).(idemClaim)
	return c.key
}

// objectID is the id of a created object: derived from the caller, the
// claimed Idempotency-Key and the request when there is a key, else random.
// (The request is part of it so that a key reused after it expired with
// another body makes a new object.)
func objectID(ctx context.Context, prefix, login string) string {
	c, _ := ctx.Value(idemKey{}).(idemClaim)
	if c.key == "" {
		return newID(prefix)
	}
	h := sha256.Sum256([]byte(prefix + "\x00" + login + "\x00" + c.key + "\x00" + c.hash))
	return prefix + hex.EncodeToString(h[:8])
}

func (s *Server) withIdempotency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" || !strings.HasPrefix(r.URL.Path, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 128 {
			writeProblem(w, http.StatusUnprocessableEntity, "Unprocessable Entity", "Idempotency-Key: at most 128 characters")
			return
		}
		login := bearerOf(r.Context()).login
		if login == "" { // authentication will answer 401
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body) // withBodyChecks buffered and bounded it
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
		claim := &duban.Idempotent{Login: login, Key: key, Operation: r.Method + " " + r.URL.Path, RequestHash: hex.EncodeToString(sum[:]),
			TenantPath: duban.RootCode}
		if p, err := s.principal(r.Context(), login); err == nil {
			claim.TenantPath = p.TenantPath
		}
		ctx := r.Context()
		deadline := time.Now().Add(IdempotencyWait)
		for wait := 20 * time.Millisecond; ; wait = min(wait*2, 500*time.Millisecond) {
			prev, err := s.DB.ClaimIdempotency(ctx, claim)
			if err != nil {
				writeProblem(w, http.StatusInternalServerError, "Internal Server Error", "internal error")
				return
			}
			if prev == nil {
				break // ours
			}
			if prev.RequestHash != claim.RequestHash || prev.Operation != claim.Operation {
				writeProblem(w, http.StatusUnprocessableEntity, "Unprocessable Entity",
					"Idempotency-Key was used with a different request / 此幂等键已用于另一请求")
				return
			}
			if prev.Status != 0 {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(prev.Status)
				_, _ = w.Write(prev.Response)
				return
			}
			if time.Now().After(deadline) {
				w.Header().Set("Retry-After", "5")
				writeProblem(w, http.StatusConflict, "Conflict",
					"a request with this Idempotency-Key is still in progress; retry later / 同一幂等键的请求仍在处理中，请稍后重试")
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(ctx, idemKey{}, idemClaim{key, claim.RequestHash})))
		done := context.WithoutCancel(ctx)
		if rec.status >= 200 && rec.status < 300 && json200(rec.buf.Bytes()) {
			claim.Status, claim.Response = rec.status, rec.buf.Bytes()
			_ = s.DB.CompleteIdempotency(done, claim)
			return
		}
		_ = s.DB.ReleaseIdempotency(done, login, key)
	})
}

// json200 reports whether a body can be stored as jsonb (empty bodies are
// stored as null).
func json200(b []byte) bool { return len(b) == 0 || b[0] == '{' || b[0] == '[' }

type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}
