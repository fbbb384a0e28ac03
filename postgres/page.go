package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

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
	return pageWith(ctx, db, q("in_scope"), scope, countQ, countArgs, false, listQ, args, cursor, limit, scan, nil)
}

// pageKeptCount is pageCounted whose count has one plan for every value (a
// province's own totals): PostgreSQL keeps that plan on the connection
// (plan_kept), where planning it, row-level security's expressions and all,
// cost more than reading its few rows; the page is planned for its values
// as always (plan_each).
func pageKeptCount[T any](ctx context.Context, db *DB, scope []string, countQ string, countArgs []any, listQ string, args []any, cursor any, limit int,
	scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	return pageWith(ctx, db, q("in_scope"), scope, countQ, countArgs, true, listQ, args, cursor, limit, scan, nil)
}

// pagePlanned is pageCounted for statements of one shape for every value
// (an inbox: each of its tenants' page from an index, merged): PostgreSQL may keep their plans on the connection
// (in_scope_planned) rather than plan them each time — with row-level
// security's expressions that is most of a short list's cost. The list
// takes args, the cursor, the limit, then tail.
func pagePlanned[T any](ctx context.Context, db *DB, scope []string, countQ string, countArgs []any, listQ string, args []any, cursor any, limit int,
	scan func(pgx.CollectableRow) (T, error), tail ...any) ([]T, int, error) {
	return pageWith(ctx, db, q("in_scope_planned"), scope, countQ, countArgs, false, listQ, args, cursor, limit, scan, tail)
}

func pageWith[T any](ctx context.Context, db *DB, inScope string, scope []string, countQ string, countArgs []any, keptCount bool,
	listQ string, args []any, cursor any, limit int, scan func(pgx.CollectableRow) (T, error), tail []any) ([]T, int, error) {
	var items []T
	var total int
	err := db.readInScope(ctx, inScope, scope, func(b *pgx.Batch) {
		if keptCount {
			b.Queue(q("plan_kept"))
		}
		b.Queue(countQ, countArgs...)
		if keptCount {
			b.Queue(q("plan_each"))
		}
		b.Queue(listQ, append(append(args[:len(args):len(args)], cursor, limit), tail...)...)
	}, func(br pgx.BatchResults) error {
		if keptCount {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if err := br.QueryRow().Scan(&total); err != nil {
			return err
		}
		if keptCount {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, scan)
		return err
	})
	return items, total, FormatError(err)
}

// readInScope is how reads go to PostgreSQL: in one round trip, the scope
// (inScope: in_scope or in_scope_planned) and the statements queue puts in
// the batch are a pipeline that PostgreSQL runs as one transaction — its
// Sync ends the transaction and the scope with it — not BEGIN, set, each
// statement, COMMIT one after another. read takes the statements' results
// in order.
func (db *DB) readInScope(ctx context.Context, inScope string, scope []string, queue func(b *pgx.Batch), read func(br pgx.BatchResults) error) error {
	b := &pgx.Batch{}
	b.Queue(inScope, scopeLiteral(scope))
	queue(b)
	br := db.Pool.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		err = read(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
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
	err := db.readInScope(ctx, q("in_scope"), scope, func(b *pgx.Batch) {
		b.Queue(query, id)
		if history != "" {
			b.Queue(history, id)
		}
	}, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if v, err = pgx.CollectExactlyOneRow(rows, scan); err != nil || history == "" {
			return err
		}
		rows, err = br.Query()
		if err != nil {
			return err
		}
		hist, err = collectTransitions(rows)
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

// provinceSeen reports whether a province's own totals (migration 017) are
// the caller's count of its subtree: within is a province's path and no
// path of the scope, whatever its line, lies below the province. Then
// whether a row under the province is seen depends on its lines alone, as
// for the province's row of those lines. Were it wrong, row-level security
// would hide the province's rows (they are read as any row), never show
// more: a count too low, not one of what the caller may not see.
func provinceSeen(scope []string, within string) bool {
	if strings.Count(within, ".") != 1 {
		return false
	}
	for _, s := range scope {
		if l, rest, ok := strings.Cut(s, "."); ok && strings.Trim(l, "0123456789") != "" {
			s = rest // a line's path: the line, then the place (whose labels are codes)
		}
		if strings.HasPrefix(s, within+".") {
			return false
		}
	}
	return true
}
