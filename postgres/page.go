package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// page is the one way lists are read: within scope, countQ counts the rows
// the list's conditions match (it takes args) and listQ reads one page of
// them (it takes args, then the cursor and the limit).
func page[T any](ctx context.Context, db *DB, scope []string, countQ, listQ string, args []any, cursor any, limit int,
	scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	return pageCounted(ctx, db, scope, countQ, args, listQ, args, cursor, limit, scan)
}

// pageCounted is page with a count query of its own arguments: a total read
// from the kept totals (migration 014) takes fewer conditions than the list.
func pageCounted[T any](ctx context.Context, db *DB, scope []string, countQ string, countArgs []any, listQ string, args []any, cursor any, limit int,
	scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	return pageWith(ctx, db, q("in_scope"), scope, countQ, countArgs, listQ, args, cursor, limit, scan, nil)
}

// pagePlanned is pageCounted for statements of one shape for every value
// (an inbox: each of its tenants' page from an index, merged): PostgreSQL may keep their plans on the connection
// (in_scope_planned) rather than plan them each time — with row-level
// security's expressions that is most of a short list's cost. The list
// takes args, the cursor, the limit, then tail.
func pagePlanned[T any](ctx context.Context, db *DB, scope []string, countQ string, countArgs []any, listQ string, args []any, cursor any, limit int,
	scan func(pgx.CollectableRow) (T, error), tail ...any) ([]T, int, error) {
	return pageWith(ctx, db, q("in_scope_planned"), scope, countQ, countArgs, listQ, args, cursor, limit, scan, tail)
}

func pageWith[T any](ctx context.Context, db *DB, inScope string, scope []string, countQ string, countArgs []any, listQ string, args []any, cursor any, limit int,
	scan func(pgx.CollectableRow) (T, error), tail []any) ([]T, int, error) {
	// one round trip: the scope, the count and the page are a pipeline that
	// PostgreSQL runs as one transaction (its Sync ends it and the scope with
	// it), not BEGIN, set, count, read, COMMIT one after another
	b := &pgx.Batch{}
	b.Queue(inScope, scopeLiteral(scope))
	b.Queue(countQ, countArgs...)
	b.Queue(listQ, append(append(args[:len(args):len(args)], cursor, limit), tail...)...)
	br := db.Pool.SendBatch(ctx, b)
	items, total, err := readPage(br, scan)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return items, total, FormatError(err)
}

// readPage reads pageWith's pipeline: the scope, the total, the page.
func readPage[T any](br pgx.BatchResults, scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	var total int
	if _, err := br.Exec(); err != nil {
		return nil, 0, err
	}
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, 0, err
	}
	items, err := pgx.CollectRows(rows, scan)
	return items, total, err
}

// scanDoc reads (doc, tenant_path) into a document type.
func scanDoc[T any](setPath func(*T, string)) func(pgx.CollectableRow) (T, error) {
	return func(r pgx.CollectableRow) (T, error) {
		var v T
		var doc []byte
		var path string
		if err := r.Scan(&doc, &path); err != nil {
			return v, err
		}
		err := json.Unmarshal(doc, &v)
		setPath(&v, path)
		return v, err
	}
}

// one reads the single row query returns for id within scope; no row is a
// not-found error naming what and id. history, when given, is the query of
// the object's versioned history rows, read in the same transaction.
func one[T any](ctx context.Context, db *DB, scope []string, what, query, id string, scan func(pgx.CollectableRow) (T, error),
	history string) (*T, []duban.AssignmentEvent, error) {
	var v T
	var hist []duban.AssignmentEvent
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, query, id)
		if err != nil {
			return err
		}
		if v, err = pgx.CollectExactlyOneRow(rows, scan); err != nil || history == "" {
			return err
		}
		hist, err = transitions(ctx, tx, history, id)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, duban.Errorf(duban.ENotFound, "%s %s not found", what, id)
	}
	if err != nil {
		return nil, nil, err
	}
	return &v, hist, nil
}
