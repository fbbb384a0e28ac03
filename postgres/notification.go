package postgres

import (
	"context"
	"encoding/json"
	"math"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// InsertNotifications stores notifications, skipping any whose dedupe key
// exists, and returns the ids of those newly stored.
func (db *DB) InsertNotifications(ctx context.Context, ns []duban.NewNotification) ([]int64, error) {
	var ids []int64
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		for _, n := range ns {
			body, _ := json.Marshal(n.Body)
			var id int64
			at := n.At
			if at.IsZero() {
				at = time.Now()
			}
			err := tx.QueryRow(ctx, q("insert_notifications"),
				n.DedupeKey, n.Tenant, n.CampaignID, n.AssignmentID, n.Kind, n.Title.ZH, n.Title.EN, string(body), at).Scan(&id)
			if err == pgx.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// ListNotifications returns notifications of the given tenants, newest first.
func (db *DB) ListNotifications(ctx context.Context, scope []string, f duban.NotificationFilter) ([]duban.Notification, int, error) {
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	return pagePlanned(ctx, db, scope, q("count_notifications"), []any{f.Tenants, f.UnreadOnly, f.Login},
		q("list_notifications"), []any{f.Tenants, f.UnreadOnly, f.Login}, before, f.Limit, scanNotification)
}

func scanNotification(r pgx.CollectableRow) (duban.Notification, error) {
	var n duban.Notification
	var body []byte
	err := r.Scan(&n.ID, &n.Tenant, &n.CampaignID, &n.AssignmentID, &n.Kind, &n.Title.ZH, &n.Title.EN, &body, &n.CreatedAt, &n.Read)
	_ = json.Unmarshal(body, &n.Body)
	return n, err
}

// MarkNotificationRead marks one notification of the given tenants read by login.
func (db *DB) MarkNotificationRead(ctx context.Context, scope []string, login string, tenants []string, id int64) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q("insert_notification_read"), id, login, tenants)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, q("notification_in_inboxes"), id, tenants).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return duban.Errorf(duban.ENotFound, "notification %d not found", id)
			}
		}
		return nil
	}))
}

// CreateWebhook stores a webhook (audited, the secret is not).
func (db *DB) CreateWebhook(ctx context.Context, scope []string, w *duban.Webhook) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, q("create_webhook"), w.Tenant, w.URL, w.Secret, w.Format).Scan(&w.ID, &w.CreatedAt)
		if err != nil {
			return err
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: w.Tenant, Action: "webhook.create", Target: "webhook/" + itoa(w.ID),
			Summary: map[string]any{"url": duban.MaskURL(w.URL), "format": w.Format}})
		return err
	}))
}

// ListWebhooks returns webhooks within scope, optionally of one tenant.
func (db *DB) ListWebhooks(ctx context.Context, scope []string, tenant string) ([]duban.Webhook, error) {
	var out []duban.Webhook
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("list_webhooks"), tenant)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.Webhook, error) {
			var w duban.Webhook
			err := r.Scan(&w.ID, &w.Tenant, &w.URL, &w.Secret, &w.Format, &w.CreatedAt)
			return w, err
		})
		return err
	})
	return out, err
}

// PendingDeliveries returns, for the given notifications, every webhook of
// their tenant not yet delivered to.
func (db *DB) PendingDeliveries(ctx context.Context, ids []int64) ([]duban.Delivery, error) {
	var out []duban.Delivery
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("pending_deliveries"), ids)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.Delivery, error) {
			var d duban.Delivery
			var body []byte
			err := r.Scan(&d.Webhook.ID, &d.Webhook.Tenant, &d.Webhook.URL, &d.Webhook.Secret, &d.Webhook.Format, &d.Webhook.CreatedAt,
				&d.Notification.ID, &d.Notification.Tenant, &d.Notification.CampaignID, &d.Notification.AssignmentID, &d.Notification.Kind,
				&d.Notification.Title.ZH, &d.Notification.Title.EN, &body, &d.Notification.CreatedAt)
			_ = json.Unmarshal(body, &d.Notification.Body)
			return d, err
		})
		return err
	})
	return out, err
}

// RecordDelivery records an attempt's HTTP status.
func (db *DB) RecordDelivery(ctx context.Context, webhookID, notificationID int64, status int) error {
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, q("record_delivery"), webhookID, notificationID, status)
		return err
	})
}

// RecordSummons records a 约谈 for an assignment (idempotent).
func (db *DB) RecordSummons(ctx context.Context, assignmentID string, at time.Time, attendees []string) error {
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, q("record_summons"), assignmentID, at, attendees)
		return err
	})
}

// Summons returns the recorded 约谈 of an assignment, if any.
func (db *DB) Summons(ctx context.Context, scope []string, assignmentID string) (*time.Time, []string, error) {
	var at *time.Time
	var who []string
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, q("summons"), assignmentID).Scan(&at, &who)
		if err == pgx.ErrNoRows {
			return nil
		}
		return err
	})
	return at, who, err
}

// TenantOfficials returns the logins holding a role exactly at tenant.
func (db *DB) TenantOfficials(ctx context.Context, tenant string) ([]string, error) {
	var out []string
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("tenant_officials"), tenant)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}
