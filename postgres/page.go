package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
)

// page is the one way lists are read: within scope, countQ counts the rows
// the list's conditions match (it takes args) and listQ reads one page of
// them (it takes args, then the cursor and the limit).
func page[T any](ctx context.Context, db *DB, scope []string, countQ, listQ string, args []any, cursor any, limit int,
	scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	var items []T
	var total int
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, countQ, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, listQ, append(args[:len(args):len(args)], cursor, limit)...)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, scan)
		return err
	})
	return items, total, FormatError(err)
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
