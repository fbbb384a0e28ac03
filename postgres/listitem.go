package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// UpsertListItem creates or changes an item within scope, versioned: when
// expect is not nil it must equal the stored version (0: must not exist),
// else 409. Every version is kept and audited.
func (db *DB) UpsertListItem(ctx context.Context, scope []string, it *duban.ListItem, expect *int64) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		var cur int64
		err := tx.QueryRow(ctx, q("lock_list_item"),
			it.Campaign, it.Tenant, it.Key).Scan(&cur)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		if expect != nil && *expect != cur {
			return duban.Errorf(duban.EConflict, "the item is at version %d, not %d: reload and retry", cur, *expect)
		}
		it.Version = cur + 1
		_, err = tx.Exec(ctx, q("upsert_list_item"),
			it.Campaign, it.Tenant, it.Key, it.List, it.Title, it.Owner, it.DueOn, it.Status, it.Note, it.Version, it.UpdatedBy, it.UpdatedAt)
		if err != nil {
			return err
		}
		snap := *it
		snap.History = nil
		doc, _ := json.Marshal(snap)
		if _, err := tx.Exec(ctx, q("insert_list_item_event"),
			it.Campaign, it.Tenant, it.Key, it.Version, it.UpdatedAt, it.UpdatedBy, doc); err != nil {
			return err
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: it.Tenant, Action: "list.upsert", Target: fmt.Sprintf("list-item/%s/%s/%s", it.Campaign, it.Tenant, it.Key),
			Summary: map[string]any{"list": it.List, "status": it.Status, "version": it.Version, "due_on": it.DueOn}})
		return err
	}))
}

// ListListItems returns a campaign's items within scope, ordered by tenant and key.
func (db *DB) ListListItems(ctx context.Context, scope []string, f duban.ListItemFilter) ([]duban.ListItem, int, error) {
	today := f.Today.Format("2006-01-02")
	items, total, err := page(ctx, db, scope, q("count_list_items"), q("list_list_items"), []any{f.Campaign, f.Within, f.List, f.Status}, f.After, f.Limit,
		func(r pgx.CollectableRow) (duban.ListItem, error) {
			var it duban.ListItem
			err := r.Scan(&it.Campaign, &it.Tenant, &it.Key, &it.List, &it.Title, &it.Owner, &it.DueOn, &it.Status, &it.Note, &it.Version, &it.UpdatedBy, &it.UpdatedAt)
			it.Overdue = it.Status != "done" && it.DueOn < today // both YYYY-MM-DD
			return it, err
		})
	if err != nil || !f.History {
		return items, total, err
	}
	err = db.InScope(ctx, scope, func(tx pgx.Tx) error {
		for i := range items {
			rows, err := tx.Query(ctx, q("list_item_history"), items[i].Campaign, items[i].Tenant, items[i].Key)
			if err != nil {
				return err
			}
			items[i].History, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.ListItemEvent, error) {
				var e duban.ListItemEvent
				var doc []byte
				if err := r.Scan(&e.Version, &e.At, &e.Actor, &doc); err != nil {
					return e, err
				}
				return e, json.Unmarshal(doc, &e.Item)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return items, total, err
}
