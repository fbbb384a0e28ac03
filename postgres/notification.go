package postgres

import (
	"context"
	"encoding/json"
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
			err := tx.QueryRow(ctx, `INSERT INTO notifications (dedupe_key, tenant, tenant_path, campaign_id, assignment_id, kind, title_zh, title_en, body, created_at)
				SELECT $1, code, path, nullif($3, ''), nullif($4, ''), $5, $6, $7, $8::jsonb, $9 FROM tenants WHERE code = $2
				ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
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
	var items []duban.Notification
	var total int
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		const cond = `n.tenant = ANY($1) AND (NOT $2 OR r.login IS NULL)`
		const from = `FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.login = $3`
		if err := tx.QueryRow(ctx, `SELECT count(*) `+from+` WHERE `+cond, f.Tenants, f.UnreadOnly, f.Login).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT n.id, n.tenant, coalesce(n.campaign_id, ''), coalesce(n.assignment_id, ''), n.kind, n.title_zh, n.title_en, n.body, n.created_at, r.login IS NOT NULL
			`+from+` WHERE `+cond+` AND ($4 = 0 OR n.id < $4) ORDER BY n.id DESC LIMIT $5`, f.Tenants, f.UnreadOnly, f.Login, f.BeforeID, f.Limit)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.Notification, error) {
			var n duban.Notification
			var body []byte
			err := r.Scan(&n.ID, &n.Tenant, &n.CampaignID, &n.AssignmentID, &n.Kind, &n.Title.ZH, &n.Title.EN, &body, &n.CreatedAt, &n.Read)
			_ = json.Unmarshal(body, &n.Body)
			return n, err
		})
		return err
	})
	return items, total, err
}

// MarkNotificationRead marks one notification of the given tenants read by login.
func (db *DB) MarkNotificationRead(ctx context.Context, scope []string, login string, tenants []string, id int64) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO notification_reads (notification_id, login, tenant_path)
			SELECT id, $2, tenant_path FROM notifications WHERE id = $1 AND tenant = ANY($3)
			ON CONFLICT DO NOTHING`, id, login, tenants)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM notifications WHERE id = $1 AND tenant = ANY($2))`, id, tenants).Scan(&exists); err != nil {
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
		err := tx.QueryRow(ctx, `INSERT INTO webhooks (tenant, tenant_path, url, secret, format)
			SELECT code, path, $2, $3, $4 FROM tenants WHERE code = $1 RETURNING id, created_at`, w.Tenant, w.URL, w.Secret, w.Format).Scan(&w.ID, &w.CreatedAt)
		if err != nil {
			return err
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: w.Tenant, Action: "webhook.create", Target: "webhook/" + itoa(w.ID),
			Summary: map[string]any{"url": w.URL, "format": w.Format}})
		return err
	}))
}

// ListWebhooks returns webhooks within scope, optionally of one tenant.
func (db *DB) ListWebhooks(ctx context.Context, scope []string, tenant string) ([]duban.Webhook, error) {
	var out []duban.Webhook
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, tenant, url, secret, format, created_at FROM webhooks WHERE ($1 = '' OR tenant = $1) ORDER BY id`, tenant)
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
		rows, err := tx.Query(ctx, `SELECT w.id, w.tenant, w.url, w.secret, w.format, w.created_at,
				n.id, n.tenant, coalesce(n.campaign_id, ''), coalesce(n.assignment_id, ''), n.kind, n.title_zh, n.title_en, n.body, n.created_at
			FROM notifications n JOIN webhooks w ON w.tenant = n.tenant
			WHERE n.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.notification_id = n.id AND d.status BETWEEN 200 AND 299)
			ORDER BY n.id, w.id`, ids)
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
		_, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, notification_id, tenant_path, status)
			SELECT $1, $2, tenant_path, $3 FROM webhooks WHERE id = $1
			ON CONFLICT (webhook_id, notification_id) DO UPDATE SET status = EXCLUDED.status,
				attempts = webhook_deliveries.attempts + 1, delivered_at = now()`, webhookID, notificationID, status)
		return err
	})
}

// RecordSummons records a 约谈 for an assignment (idempotent).
func (db *DB) RecordSummons(ctx context.Context, assignmentID string, at time.Time, attendees []string) error {
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO summons (assignment_id, tenant_path, at, attendees)
			SELECT id, tenant_path, $2, $3 FROM assignments WHERE id = $1 ON CONFLICT DO NOTHING`, assignmentID, at, attendees)
		return err
	})
}

// Summons returns the recorded 约谈 of an assignment, if any.
func (db *DB) Summons(ctx context.Context, scope []string, assignmentID string) (*time.Time, []string, error) {
	var at *time.Time
	var who []string
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT at, attendees FROM summons WHERE assignment_id = $1`, assignmentID).Scan(&at, &who)
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
		rows, err := tx.Query(ctx, `SELECT DISTINCT login FROM role_bindings WHERE tenant = $1 ORDER BY login`, tenant)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}
