-- name: upsert_hazard
INSERT INTO hazards (id, tenant, tenant_path, campaign_id, grade, state, listed, overdue, escalation_level,
deadline, reinspect_due, reported_by, reported_at, closed_at, doc, version, updated_at)
SELECT $1, $2, t.path, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 FROM tenants t WHERE t.code = $2
ON CONFLICT (id) DO UPDATE SET grade = EXCLUDED.grade, state = EXCLUDED.state, listed = EXCLUDED.listed, overdue = EXCLUDED.overdue,
escalation_level = EXCLUDED.escalation_level, deadline = EXCLUDED.deadline, reinspect_due = EXCLUDED.reinspect_due,
closed_at = EXCLUDED.closed_at, doc = EXCLUDED.doc, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
WHERE hazards.version < EXCLUDED.version;

-- name: insert_hazard_event
INSERT INTO hazard_events (hazard_id, version, tenant_path, at, actor, action, from_state, to_state, comment, details)
SELECT $1, $2, path, $4, $5, $6, $7, $8, $9, $10::jsonb FROM tenants WHERE code = $3
ON CONFLICT (hazard_id, version) DO NOTHING;

-- name: get_hazard
SELECT doc, tenant_path::text FROM hazards WHERE id = $1;

-- name: hazards_closed
-- The paths of campaign $1's hazards closed in [$2, $3).
SELECT tenant_path::text FROM hazards WHERE campaign_id = $1 AND state = 'closed' AND closed_at >= $2 AND closed_at < $3;

-- name: count_hazards
-- $1 within (the tenant's path, as for assignments), $2 grade, $3 state, $4 overdue, $5 listed, $6 campaign, $7 enterprise, $8 project; '' or NULL: any.
-- Counted up to 10,001 (duban.MaxExactTotal + 1; beyond, -1: duban.TotalCapped); without a campaign, an enterprise or a project,
-- count_hazards_kept reads the kept totals instead.
SELECT CASE WHEN count(*) > 10000 THEN -1 ELSE count(*) END FROM (SELECT 1 FROM hazards
WHERE ($1 = '' OR (tenant_key >= $1 AND tenant_key < ($1 || '/'))) AND ($2 = '' OR grade = $2) AND ($3 = '' OR state = $3)
  AND ($4::bool IS NULL OR overdue = $4) AND ($5::bool IS NULL OR listed = $5) AND ($6 = '' OR campaign_id = $6)
  AND ($7 = '' OR enterprise = $7) AND ($8 = '' OR project = $8)
LIMIT 10001) capped;

-- name: count_hazards_kept
-- The total of count_hazards without a campaign, an enterprise or a project, from the totals the
-- triggers of migration 014 keep: $1 within, $2 grade, $3 state, $4 overdue, $5 listed.
SELECT coalesce(sum(n), 0) FROM hazard_totals
WHERE ($1 = '' OR (tenant_key >= $1 AND tenant_key < ($1 || '/'))) AND ($2 = '' OR grade = $2) AND ($3 = '' OR state = $3)
  AND ($4::bool IS NULL OR overdue = $4) AND ($5::bool IS NULL OR listed = $5);

-- name: count_hazards_province
-- count_hazards_kept of a whole province from its own totals (migration 017), as count_assignments_province:
-- $1 the province's path, $2 grade, $3 state, $4 overdue, $5 listed.
SELECT coalesce(sum(n), 0) FROM hazard_province_totals
WHERE tenant_path = $1::ltree AND ($2 = '' OR grade = $2) AND ($3 = '' OR state = $3)
  AND ($4::bool IS NULL OR overdue = $4) AND ($5::bool IS NULL OR listed = $5);

-- name: list_hazards
-- The conditions of count_hazards; $9 the cursor (id), $10 the limit.
SELECT doc, tenant_path::text FROM hazards
WHERE ($1 = '' OR (tenant_key >= $1 AND tenant_key < ($1 || '/'))) AND ($2 = '' OR grade = $2) AND ($3 = '' OR state = $3)
  AND ($4::bool IS NULL OR overdue = $4) AND ($5::bool IS NULL OR listed = $5) AND ($6 = '' OR campaign_id = $6)
  AND ($7 = '' OR enterprise = $7) AND ($8 = '' OR project = $8)
  AND ($9 = '' OR id > $9)
ORDER BY id LIMIT $10;
