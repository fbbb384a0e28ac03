-- name: lock_list_item
SELECT version FROM list_items WHERE campaign_id = $1 AND tenant = $2 AND key = $3 FOR UPDATE;

-- name: upsert_list_item
INSERT INTO list_items (campaign_id, tenant, key, tenant_path, list, title, owner, due_on, status, note, version, updated_by, updated_at)
SELECT $1, $2, $3, path, $4, $5, $6, $7::date, $8, $9, $10, $11, $12 FROM tenants WHERE code = $2
ON CONFLICT (campaign_id, tenant, key) DO UPDATE SET list = EXCLUDED.list, title = EXCLUDED.title, owner = EXCLUDED.owner,
due_on = EXCLUDED.due_on, status = EXCLUDED.status, note = EXCLUDED.note, version = EXCLUDED.version,
updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at;

-- name: insert_list_item_event
INSERT INTO list_item_events (campaign_id, tenant, key, version, tenant_path, at, actor, item)
SELECT $1, $2, $3, $4, path, $5, $6, $7 FROM tenants WHERE code = $2;

-- name: list_item_history
SELECT version, at, actor, item FROM list_item_events WHERE campaign_id = $1 AND tenant = $2 AND key = $3 ORDER BY version;

-- name: count_list_items
-- $1 campaign, $2 within (tenant code), $3 list, $4 status; '': any.
SELECT count(*) FROM list_items
WHERE campaign_id = $1 AND ($2 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $2))
  AND ($3 = '' OR list = $3) AND ($4 = '' OR status = $4);

-- name: list_list_items
-- The conditions of count_list_items; $5 the cursor (tenant/key after it), $6 the limit.
SELECT campaign_id, tenant, key, list, title, owner, to_char(due_on, 'YYYY-MM-DD'), status, note, version, updated_by, updated_at
FROM list_items
WHERE campaign_id = $1 AND ($2 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $2))
  AND ($3 = '' OR list = $3) AND ($4 = '' OR status = $4) AND ($5 = '' OR tenant || '/' || key > $5)
ORDER BY tenant, key LIMIT $6;
