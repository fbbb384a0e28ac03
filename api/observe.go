package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban/metrics"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// reqInfo is what the request's inner layers learn for the outer one that
// logs and counts it: the operation huma routed to and the caller.
type reqInfo struct {
	op, login, tenant string
}

type reqInfoKey struct{}

func infoOf(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return i
}

// withObservation counts every request by operation and status with its
// latency (duban_http_*) and writes one structured log line per API
// request: request id, method, path (no query), operation, status,
// duration, user and home tenant — never a token or a body.
func withObservation(reg *metrics.Registry, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		info := &reqInfo{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info)))
		d := time.Since(t0)
		op := info.op
		if op == "" {
			switch {
			case strings.HasPrefix(r.URL.Path, "/v1/"):
				op = "unmatched"
			case r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/livez" || r.URL.Path == "/openapi.json":
				op = strings.TrimPrefix(r.URL.Path, "/")
			default:
				op = "console"
			}
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		reg.ObserveHTTP(op, r.Method, status, d)
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			span.SetName(r.Method + " " + op) // the operation, not the path with its ids
			span.SetAttributes(attribute.String("duban.operation", op), attribute.String("enduser.id", info.login))
		}
		level := slog.LevelInfo
		if !strings.HasPrefix(r.URL.Path, "/v1/") {
			level = slog.LevelDebug
		}
		if status >= 500 {
			level = slog.LevelError
		}
		slog.Log(r.Context(), level, "http request", "request_id", w.Header().Get("X-Request-Id"), "method", r.Method, "path", r.URL.Path,
			"operation", op, "status", status, "duration_ms", float64(d.Microseconds())/1000, "user", info.login, "tenant", info.tenant)
	})
}

// noteOperation tells withObservation which operation huma routed to.
func noteOperation(ctx huma.Context, next func(huma.Context)) {
	if i := infoOf(ctx.Context()); i != nil && ctx.Operation() != nil {
		i.op = ctx.Operation().OperationID
	}
	next(ctx)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
