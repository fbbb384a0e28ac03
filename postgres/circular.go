package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// InsertCircular numbers an issued circular (文号: the issuer's next number
// of the year, claimed atomically), seals it and stores it (immutable: the
// application role may not update or delete circulars), audited.
func (db *DB) InsertCircular(ctx context.Context, scope []string, c *duban.Circular) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		year := c.SignedAt.In(duban.Shanghai).Year()
		var n int
		if err := tx.QueryRow(ctx, q("next_circular_number"), c.Tenant, year).Scan(&n); err != nil {
			return err
		}
		c.Number = fmt.Sprintf("%s督办通报〔%d〕%d号", c.IssuerName, year, n)
		c.Seal()
		doc, _ := json.Marshal(c)
		_, err := tx.Exec(ctx, q("insert_circular"),
			c.ID, c.Campaign, c.Tenant, c.PeriodFrom, c.PeriodTo, doc, c.Digest, c.SignedBy, c.SignedAt, append(append([]string{}, c.Best...), c.Laggards...))
		if err != nil {
			return err
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: c.Tenant, Action: "circular.generate", Target: "circular/" + c.ID,
			Summary: map[string]any{"campaign": c.Campaign, "number": c.Number, "from": c.PeriodFrom, "to": c.PeriodTo, "digest": c.Digest}})
		return err
	}))
}

// GetCircular returns a circular within scope.
func (db *DB) GetCircular(ctx context.Context, scope []string, id string) (*duban.Circular, error) {
	c, _, err := one(ctx, db, scope, "circular", q("get_circular"), id, func(r pgx.CollectableRow) (duban.Circular, error) {
		var c duban.Circular
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return c, err
		}
		return c, json.Unmarshal(doc, &c)
	}, "")
	return c, err
}

// ListedItems returns a campaign's items under listed supervision in the
// subtree at path: assignments at escalation level 3 or more, and listed
// hazards not yet closed.
func (db *DB) ListedItems(ctx context.Context, scope []string, campaign, path string) ([]duban.ListedItem, error) {
	var out []duban.ListedItem
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("listed_items"), campaign, path)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.ListedItem, error) {
			var it duban.ListedItem
			return it, r.Scan(&it.Kind, &it.ID, &it.Tenant, &it.Title)
		})
		return err
	})
	if out == nil {
		out = []duban.ListedItem{}
	}
	return out, err
}

// ListCirculars returns a campaign's circulars within scope, newest first.
func (db *DB) ListCirculars(ctx context.Context, scope []string, campaign string, limit int) ([]duban.CircularSummary, int, error) {
	var out []duban.CircularSummary
	var total int
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("count_circulars"), campaign).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q("list_circulars"), campaign, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.CircularSummary, error) {
			var c duban.CircularSummary
			return c, r.Scan(&c.ID, &c.Tenant, &c.Title, &c.PeriodFrom, &c.PeriodTo, &c.SignedBy, &c.SignedAt, &c.Digest)
		})
		return err
	})
	return out, total, err
}
