-- name: insert_notifications
INSERT INTO notifications (dedupe_key, tenant, tenant_path, campaign_id, assignment_id, kind, title_zh, title_en, body, created_at)
SELECT $1, code, path, nullif($3, ''), nullif($4, ''), $5, $6, $7, $8::jsonb, $9 FROM tenants WHERE code = $2
ON CONFLICT (dedupe_key) DO NOTHING RETURNING id;

-- name: insert_notification_read
INSERT INTO notification_reads (notification_id, login, tenant_path)
SELECT id, $2, tenant_path FROM notifications WHERE id = $1 AND tenant = ANY($3)
ON CONFLICT DO NOTHING;

-- name: notification_in_inboxes
SELECT EXISTS (SELECT 1 FROM notifications WHERE id = $1 AND tenant = ANY($2));

-- name: create_webhook
INSERT INTO webhooks (tenant, tenant_path, url, secret, format)
SELECT code, path, $2, $3, $4 FROM tenants WHERE code = $1 RETURNING id, created_at;

-- name: list_webhooks
SELECT id, tenant, url, secret, format, created_at FROM webhooks WHERE ($1 = '' OR tenant = $1) ORDER BY id;

-- name: pending_deliveries
SELECT w.id, w.tenant, w.url, w.secret, w.format, w.created_at,
n.id, n.tenant, coalesce(n.campaign_id, ''), coalesce(n.assignment_id, ''), n.kind, n.title_zh, n.title_en, n.body, n.created_at
FROM notifications n JOIN webhooks w ON w.tenant = n.tenant
WHERE n.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.notification_id = n.id AND d.status BETWEEN 200 AND 299)
ORDER BY n.id, w.id;

-- name: record_delivery
INSERT INTO webhook_deliveries (webhook_id, notification_id, tenant_path, status)
SELECT $1, $2, tenant_path, $3 FROM webhooks WHERE id = $1
ON CONFLICT (webhook_id, notification_id) DO UPDATE SET status = EXCLUDED.status,
attempts = webhook_deliveries.attempts + 1, delivered_at = now();

-- name: record_summons
INSERT INTO summons (assignment_id, tenant_path, at, attendees)
SELECT id, tenant_path, $2, $3 FROM assignments WHERE id = $1 ON CONFLICT DO NOTHING;

-- name: summons
SELECT at, attendees FROM summons WHERE assignment_id = $1;

-- name: tenant_officials
SELECT DISTINCT login FROM role_bindings WHERE tenant = $1 ORDER BY login;

-- name: count_notifications
-- $1 the inboxes (tenant codes), $2 unread only, $3 the reader's login: from the totals the triggers
-- of migration 014 keep (every notice of an inbox, less those the reader has read).
SELECT coalesce(sum(n) FILTER (WHERE login = ''), 0) - coalesce(sum(n) FILTER (WHERE $2 AND login = $3), 0)
FROM notification_totals WHERE tenant = ANY($1) AND login IN ('', $3);

-- name: list_notifications
-- Newest first: $1 the inboxes (tenant codes), $2 unread only, $3 the reader's login, $4 the cursor (ids
-- below it), $5 the limit. Each inbox's page from the (tenant, id) index backwards, then merged: one plan
-- for every value, kept on the connection (in_scope_planned), whose cost is the pages', not the inboxes'
-- years of notices.
SELECT n.* FROM unnest($1::text[]) AS t(code) CROSS JOIN LATERAL (
  SELECT n.id, n.tenant, coalesce(n.campaign_id, ''), coalesce(n.assignment_id, ''), n.kind, n.title_zh, n.title_en, n.body, n.created_at,
    r.login IS NOT NULL
  FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.login = $3
  WHERE n.tenant = t.code AND n.id < $4 AND (NOT $2 OR r.login IS NULL)
  ORDER BY n.id DESC LIMIT $5) n
ORDER BY n.id DESC LIMIT $5;
