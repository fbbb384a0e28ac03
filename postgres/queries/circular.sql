-- name: insert_circular
INSERT INTO circulars (id, campaign_id, tenant, tenant_path, period_from, period_to, content, digest, signed_by, created_at, named)
SELECT $1, $2, $3, path, $4::date, $5::date, $6, $7, $8, $9, $10 FROM tenants WHERE code = $3;

-- name: get_circular
SELECT content FROM circulars WHERE id = $1;

-- name: listed_items
SELECT 'assignment', id, tenant, title FROM assignments
WHERE campaign_id = $1 AND tenant_path <@ $2::text::ltree AND escalation_level >= 3 AND state NOT IN ('signed_off', 'cancelled')
UNION ALL
SELECT 'hazard', id, tenant, doc->>'description' FROM hazards
WHERE campaign_id = $1 AND tenant_path <@ $2::text::ltree AND listed AND state <> 'closed'
ORDER BY 1, 2;

-- name: count_circulars
SELECT count(*) FROM circulars WHERE campaign_id = $1;

-- name: list_circulars
SELECT id, tenant, content->>'title', to_char(period_from, 'YYYY-MM-DD'), to_char(period_to, 'YYYY-MM-DD'),
signed_by, created_at, digest FROM circulars WHERE campaign_id = $1 ORDER BY created_at DESC, id LIMIT $2;

-- name: next_circular_number
INSERT INTO circular_numbers (tenant, year, last) VALUES ($1, $2, 1)
ON CONFLICT (tenant, year) DO UPDATE SET last = circular_numbers.last + 1
RETURNING last;
