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
		err := tx.QueryRow(ctx, `SELECT version FROM list_items WHERE campaign_id = $1 AND tenant = $2 AND key = $3 FOR UPDATE`,
			it.Campaign, it.Tenant, it.Key).Scan(&cur)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		if expect != nil && *expect != cur {
			return duban.Errorf(duban.EConflict, "the item is at version %d, not %d: reload and retry", cur, *expect)
		}
		it.Version = cur + 1
		_, err = tx.Exec(ctx, `INSERT INTO list_items (campaign_id, tenant, key, tenant_path, list, title, owner, due_on, status, note, version, updated_by, updated_at)
			SELECT $1, $2, $3, path, $4, $5, $6, $7::date, $8, $9, $10, $11, $12 FROM tenants WHERE code = $2
			ON CONFLICT (campaign_id, tenant, key) DO UPDATE SET list = EXCLUDED.list, title = EXCLUDED.title, owner = EXCLUDED.owner,
				due_on = EXCLUDED.due_on, status = EXCLUDED.status, note = EXCLUDED.note, version = EXCLUDED.version,
				updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
			it.Campaign, it.Tenant, it.Key, it.List, it.Title, it.Owner, it.DueOn, it.Status, it.Note, it.Version, it.UpdatedBy, it.UpdatedAt)
		if err != nil {
			return err
		}
		snap := *it
		snap.History = nil
		doc, _ := json.Marshal(snap)
		if _, err := tx.Exec(ctx, `INSERT INTO list_item_events (campaign_id, tenant, key, version, tenant_path, at, actor, item)
			SELECT $1, $2, $3, $4, path, $5, $6, $7 FROM tenants WHERE code = $2`,
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
	var items []duban.ListItem
	var total int
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		const cond = `campaign_id = $1 AND ($2 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $2))
			AND ($3 = '' OR list = $3) AND ($4 = '' OR status = $4)`
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM list_items WHERE `+cond, f.Campaign, f.Within, f.List, f.Status).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT campaign_id, tenant, key, list, title, owner, to_char(due_on, 'YYYY-MM-DD'), status, note, version, updated_by, updated_at,
				status <> 'done' AND due_on < $7::date
			FROM list_items WHERE `+cond+` AND ($5 = '' OR tenant || '/' || key > $5) ORDER BY tenant, key LIMIT $6`,
			f.Campaign, f.Within, f.List, f.Status, f.After, f.Limit, f.Today.Format("2006-01-02"))
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.ListItem, error) {
			var it duban.ListItem
			err := r.Scan(&it.Campaign, &it.Tenant, &it.Key, &it.List, &it.Title, &it.Owner, &it.DueOn, &it.Status, &it.Note, &it.Version, &it.UpdatedBy, &it.UpdatedAt, &it.Overdue)
			return it, err
		})
		if err != nil || !f.History {
			return err
		}
		for i := range items {
			rows, err := tx.Query(ctx, `SELECT version, at, actor, item FROM list_item_events WHERE campaign_id = $1 AND tenant = $2 AND key = $3 ORDER BY version`,
				items[i].Campaign, items[i].Tenant, items[i].Key)
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
