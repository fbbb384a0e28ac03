package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel"
)

// TestTracesExportedByOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans
// reach an OTLP/HTTP collector (here a stand-in that counts the posts).
func TestTracesExportedByOTLP(t *testing.T) {
	var posts, bytes atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			b, _ := io.ReadAll(r.Body)
			posts.Add(1)
			bytes.Add(int64(len(b)))
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	prev := otel.GetTracerProvider()
	defer otel.SetTracerProvider(prev)

	flush, err := SetupTracing(context.Background(), "duban-test")
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "POST submit-assignment")
	span.End()
	if err := flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if posts.Load() == 0 || bytes.Load() == 0 {
		t.Fatalf("the collector got %d posts (%d bytes)", posts.Load(), bytes.Load())
	}

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	noop, err := SetupTracing(context.Background(), "duban-test")
	if err != nil || noop(context.Background()) != nil {
		t.Fatal("without an endpoint, tracing is off and costs nothing")
	}
}
