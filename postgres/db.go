// Package postgres is Duban's PostgreSQL read model and store: embedded
// migrations, the tenant tree, users, role bindings and the hash-chained
// audit log. Every tenant-scoped query runs in a transaction whose
// duban.scope setting limits row-level security to the caller's subtrees.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"
)

// DB is the store. It connects as the application role, which does not own
// the tables, so row-level security applies to every query.
type DB struct {
	Pool  *pgxpool.Pool
	url   string
	paths sync.Map // tenant code → path (the division tree does not change while running)
}

// Open connects to url.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	// Lists take optional conditions ($n = '' OR ...) and a subtree's path
	// as values: only a plan made for the values drops the unused conditions
	// and estimates the subtree from the statistics (a generic plan, which
	// PostgreSQL may switch to after five executions, reads a province's
	// every row for a page; BENCHMARKS.md, growth). Planning a list with
	// the policies' expressions takes 0.3–1.6 ms (EXPLAIN at S).
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	// No JIT: every statement here reads pages of rows by an index; JIT
	// compiles when an estimate is high, and a kept plan's estimate for a
	// LIMIT given as a value is (an inbox's notices at 100×S: 34 ms of JIT
	// for a 1 ms read; BENCHMARKS.md, growth).
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &DB{Pool: pool, url: url}, nil
}

// Option adjusts the pool before it opens.
type Option func(*pgxpool.Config)

// WithTracing makes a span of every statement (named as in
// queries/*.sql, arguments left out).
func WithTracing(tp trace.TracerProvider) Option {
	return func(c *pgxpool.Config) {
		c.ConnConfig.Tracer = queryTracer{tracer: tp.Tracer("github.com/duban/duban/postgres")}
	}
}

// pathOf is a tenant's path ("" for no code); found is false for a code
// that names no tenant.
func (db *DB) pathOf(ctx context.Context, code string) (path string, found bool, err error) {
	if code == "" {
		return "", true, nil
	}
	if p, ok := db.paths.Load(code); ok {
		return p.(string), true, nil
	}
	var p string
	if err := db.Pool.QueryRow(ctx, q("tenant_path"), code).Scan(&p); errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	db.paths.Store(code, p)
	return p, true, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// InScope runs fn in a transaction limited by row-level security to the
// subtrees rooted at the given supervision paths. An empty scope sees no
// tenant-scoped rows.
func (db *DB) InScope(ctx context.Context, scope []string, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q("in_scope"), scopeLiteral(scope)); err != nil {
			return err
		}
		return fn(tx)
	})
}

// scopeLiteral renders paths as an ltree[] literal.
func scopeLiteral(paths []string) string {
	return "{" + strings.Join(paths, ",") + "}"
}

// FormatError turns driver errors into domain errors; others pass through.
func FormatError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return duban.Errorf(duban.ENotFound, "not found")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return duban.Errorf(duban.EConflict, "already exists")
		case "23503":
			return duban.Errorf(duban.EInvalid, "refers to something that does not exist")
		case "42501": // insufficient privilege / RLS check
			return duban.Errorf(duban.EForbidden, "outside your scope")
		}
	}
	return err
}
