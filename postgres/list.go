package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// filter builds a WHERE clause with numbered arguments.
type filter struct {
	conds []string
	args  []any
}

// add appends cond with "?" standing for the next argument v.
func (f *filter) add(cond string, v any) {
	f.args = append(f.args, v)
	f.conds = append(f.conds, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(f.args)), 1))
}

// within selects rows in the supervision subtree of a tenant code.
func (f *filter) within(code string) {
	f.add("tenant_path <@ (SELECT path FROM tenants WHERE code = ?)", code)
}

func (f *filter) where() string {
	if len(f.conds) == 0 {
		return "true"
	}
	return strings.Join(f.conds, " AND ")
}

// listPage counts the rows of table matching f within scope and returns the
// page after the id cursor, ordered by id.
func listPage[T any](ctx context.Context, db *DB, scope []string, table, cols string, f filter, after string, limit int,
	scan func(pgx.CollectableRow) (T, error)) ([]T, int, error) {
	var items []T
	var total int
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE `+f.where(), f.args...).Scan(&total); err != nil {
			return err
		}
		if after != "" {
			f.add("id > ?", after)
		}
		f.args = append(f.args, limit)
		rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY id LIMIT $%d`, cols, table, f.where(), len(f.args)), f.args...)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, scan)
		return err
	})
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
