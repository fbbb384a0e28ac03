-- name: upsert_accident
INSERT INTO accidents (id, tenant, tenant_path, occurred_at, reported_at, category, grade, required_level,
deaths, serious_injuries, direct_loss_cny, holder, complete, late, doc, version, updated_at, sector)
SELECT $1, $2, t.path, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, coalesce($14::jsonb->>'sector', '') FROM tenants t WHERE t.code = $2
ON CONFLICT (id) DO UPDATE SET grade = EXCLUDED.grade, required_level = EXCLUDED.required_level, deaths = EXCLUDED.deaths,
serious_injuries = EXCLUDED.serious_injuries, direct_loss_cny = EXCLUDED.direct_loss_cny, holder = EXCLUDED.holder,
complete = EXCLUDED.complete, late = EXCLUDED.late, sector = EXCLUDED.sector, doc = EXCLUDED.doc, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
WHERE accidents.version < EXCLUDED.version;

-- name: insert_accident_event
INSERT INTO accident_events (accident_id, version, tenant_path, at, actor, action, details)
SELECT $1, $2, path, $4, $5, $6, $7::jsonb FROM tenants WHERE code = $3
ON CONFLICT (accident_id, version) DO NOTHING;

-- name: get_accident
SELECT doc, tenant_path::text FROM accidents WHERE id = $1;

-- name: accident_totals
SELECT grade, count(*), coalesce(sum(deaths), 0), coalesce(sum(serious_injuries), 0), coalesce(sum(direct_loss_cny), 0)
FROM accidents WHERE tenant_path <@ $1::text::ltree AND occurred_at >= $2 AND occurred_at < $3 GROUP BY grade;

-- name: count_accidents
-- $1 within (tenant code), $2 grade, $3 late, $4 complete, $5 occurred from, $6 occurred before; '' or NULL: any.
SELECT count(*) FROM accidents
WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND ($2 = '' OR grade = $2)
  AND ($3::bool IS NULL OR late = $3) AND ($4::bool IS NULL OR complete = $4)
  AND ($5::timestamptz IS NULL OR occurred_at >= $5) AND ($6::timestamptz IS NULL OR occurred_at < $6);

-- name: list_accidents
-- The conditions of count_accidents; $7 the cursor (id), $8 the limit.
SELECT doc, tenant_path::text FROM accidents
WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND ($2 = '' OR grade = $2)
  AND ($3::bool IS NULL OR late = $3) AND ($4::bool IS NULL OR complete = $4)
  AND ($5::timestamptz IS NULL OR occurred_at >= $5) AND ($6::timestamptz IS NULL OR occurred_at < $6)
  AND ($7 = '' OR id > $7)
ORDER BY id LIMIT $8;
