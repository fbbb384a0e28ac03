package postgres

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// queryTracer makes one span per statement, named by the statement's name
// in queries/*.sql (pg upsert_assignment), with the SQL text but never its
// arguments (they carry report contents and personal data).
type queryTracer struct{ tracer trace.Tracer }

var (
	namesOnce sync.Once
	names     map[string]string // SQL → name
)

func queryName(sql string) string {
	namesOnce.Do(func() {
		names = make(map[string]string, len(queries))
		for n, s := range queries {
			names[s] = n
		}
	})
	if n, ok := names[sql]; ok {
		return n
	}
	return "statement"
}

func (t queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	name := queryName(d.SQL)
	ctx, _ = t.tracer.Start(ctx, "pg "+name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.operation.name", name), attribute.String("db.query.text", d.SQL)))
	return ctx
}

func (t queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if d.Err != nil {
		span.RecordError(d.Err)
		span.SetStatus(codes.Error, "query failed")
	}
	span.SetAttributes(attribute.Int64("db.rows_affected", d.CommandTag.RowsAffected()))
	span.End()
}

// A pipeline (pgx.Batch: a list's scope, total and page) is one span, with
// a span per statement in it, named as above, from when its result was
// asked for until it was read.

func (t queryTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	ctx, _ = t.tracer.Start(ctx, "pg batch", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.Int("db.operation.batch.size", d.Batch.Len())))
	return ctx
}

func (t queryTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	name := queryName(d.SQL)
	_, span := t.tracer.Start(ctx, "pg "+name, trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(d.ReadStartTime),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.operation.name", name), attribute.String("db.query.text", d.SQL)))
	if d.Err != nil {
		span.RecordError(d.Err)
		span.SetStatus(codes.Error, "query failed")
	}
	span.End()
}

func (t queryTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchEndData) {
	span := trace.SpanFromContext(ctx)
	if d.Err != nil {
		span.RecordError(d.Err)
		span.SetStatus(codes.Error, "batch failed")
	}
	span.End()
}
