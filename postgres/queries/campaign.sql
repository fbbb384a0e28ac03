-- name: insert_campaign
INSERT INTO campaigns (id, template, title, scope, scope_path, levels, phases, targets, status, created_by, created_at, options, parent_campaign, period, lines)
SELECT $1, $2, $3, code, path, $5, $6, $7, 'running', $8, $9, $10, nullif($11, ''), $12, $13 FROM tenants WHERE code = $4
RETURNING scope_path::text;

-- name: set_campaign_status
UPDATE campaigns SET status = $2, ended_at = $3, end_reason = $4, version = version + 1
WHERE id = $1 AND status = 'running' RETURNING scope;

-- name: upsert_assignment
INSERT INTO assignments (id, campaign_id, tenant, tenant_path, level, phase, title, reviewer_tenant, signer_tenant,
parent_id, state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, original_due)
SELECT $1, $2, $3, t.path, $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16, $17, $18, $19, $20, $21, $22, $23
FROM tenants t WHERE t.code = $3
ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, due_at = EXCLUDED.due_at, overdue = EXCLUDED.overdue,
escalation_level = EXCLUDED.escalation_level, draft = EXCLUDED.draft, report = EXCLUDED.report, comment = EXCLUDED.comment,
submitted_at = EXCLUDED.submitted_at, first_submitted_at = EXCLUDED.first_submitted_at, approved_at = EXCLUDED.approved_at,
signed_off_at = EXCLUDED.signed_off_at, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, original_due = EXCLUDED.original_due
WHERE assignments.version < EXCLUDED.version;

-- name: insert_assignment_event
INSERT INTO assignment_events (assignment_id, version, tenant_path, at, actor, action, from_state, to_state, comment, details)
SELECT $1, $2, path, $4, $5, $6, $7, $8, $9, $10::jsonb FROM tenants WHERE code = $3
ON CONFLICT (assignment_id, version) DO NOTHING;

-- name: campaign_progress
-- Each of campaign $1's assignments as CampaignProgress counts it as of $2: path, level, state,
-- overdue, first submitted on time, due by then (or submitted), escalation level, and the report
-- of a submitted, approved or signed-off one.
SELECT tenant_path::text, level, state, overdue, coalesce(first_submitted_at <= due_at, false),
  state <> 'cancelled' AND (due_at <= $2 OR first_submitted_at IS NOT NULL), escalation_level,
  CASE WHEN state IN ('submitted', 'approved', 'signed_off') THEN report END
FROM assignments WHERE campaign_id = $1;

-- name: count_assignments
-- $1 campaign, $2 within (the tenant's path: its subtree is the range of tenant_key from it, migration 014), $3 tenants, $4 state, $5 level, $6 overdue, $7 due before, $8 the one tenant when $3 has one
-- (an equality the planner estimates once and the (tenant, due_at, id) index serves in order, where = ANY and = together
-- would be estimated twice); '' or NULL: any.
-- Counted up to 10,001 (duban.MaxExactTotal + 1): beyond, -1 (duban.TotalCapped). Used when a
-- campaign or a due time narrows the list; otherwise count_assignments_kept reads the kept totals.
SELECT CASE WHEN count(*) > 10000 THEN -1 ELSE count(*) END FROM (SELECT 1 FROM assignments
WHERE ($1 = '' OR campaign_id = $1) AND ($2 = '' OR (tenant_key >= $2 AND tenant_key < ($2 || '/')))
  AND CASE WHEN $8 = '' THEN $3::text[] IS NULL OR tenant = ANY($3) ELSE tenant = $8 END AND ($4 = '' OR state = $4) AND ($5 = '' OR level = $5)
  AND ($6::bool IS NULL OR overdue = $6) AND ($7::timestamptz IS NULL OR due_at < $7)
LIMIT 10001) capped;

-- name: count_assignments_kept
-- The total of count_assignments without a campaign or a due time, from the totals the triggers of
-- migration 014 keep: $1 within, $2 tenants, $3 state, $4 level, $5 overdue, $6 one tenant.
SELECT coalesce(sum(n), 0) FROM assignment_totals
WHERE ($1 = '' OR (tenant_key >= $1 AND tenant_key < ($1 || '/')))
  AND CASE WHEN $6 = '' THEN $2::text[] IS NULL OR tenant = ANY($2) ELSE tenant = $6 END AND ($3 = '' OR state = $3) AND ($4 = '' OR level = $4)
  AND ($5::bool IS NULL OR overdue = $5);

-- name: count_assignments_province
-- count_assignments_kept of a whole province from its own totals (migration 017), for a caller no path of
-- whose scope lies below the province: $1 the province's path, $2 state, $3 level, $4 overdue. One plan
-- for every value (the primary key's first column), kept on the connection.
SELECT coalesce(sum(n), 0) FROM assignment_province_totals
WHERE tenant_path = $1::ltree AND ($2 = '' OR state = $2) AND ($3 = '' OR level = $3) AND ($4::bool IS NULL OR overdue = $4);

-- name: list_assignments
-- The conditions of count_assignments; $9 the cursor (id), $10 the limit.
SELECT id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
  state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, lines, original_due
FROM assignments
WHERE ($1 = '' OR campaign_id = $1) AND ($2 = '' OR (tenant_key >= $2 AND tenant_key < ($2 || '/')))
  AND CASE WHEN $8 = '' THEN $3::text[] IS NULL OR tenant = ANY($3) ELSE tenant = $8 END AND ($4 = '' OR state = $4) AND ($5 = '' OR level = $5)
  AND ($6::bool IS NULL OR overdue = $6) AND ($7::timestamptz IS NULL OR due_at < $7)
  AND ($9 = '' OR id > $9)
ORDER BY id LIMIT $10;

-- name: list_assignments_by_due
-- The conditions of count_assignments, ordered by due time (an inbox, a review
-- queue): $9 the cursor ('<due RFC 3339>|<id>' of the last row; '' from the start), $10 the limit.
SELECT id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
  state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, lines, original_due
FROM assignments
WHERE ($1 = '' OR campaign_id = $1) AND ($2 = '' OR (tenant_key >= $2 AND tenant_key < ($2 || '/')))
  AND CASE WHEN $8 = '' THEN $3::text[] IS NULL OR tenant = ANY($3) ELSE tenant = $8 END AND ($4 = '' OR state = $4) AND ($5 = '' OR level = $5)
  AND ($6::bool IS NULL OR overdue = $6) AND ($7::timestamptz IS NULL OR due_at < $7)
  AND ($9 = '' OR (due_at, id) > (split_part($9, '|', 1)::timestamptz, split_part($9, '|', 2)))
ORDER BY due_at, id LIMIT $10;

-- name: list_assignments_by_due_latest
-- list_assignments_by_due from the latest due time back (work done, newest first): $9 the cursor ('<due
-- RFC 3339>|<id>' of the last row; '' from the latest), $10 the limit. One tenant's closed work of a state
-- is read backwards from the (tenant, state, due_at, id) index.
SELECT id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
  state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, lines, original_due
FROM assignments
WHERE ($1 = '' OR campaign_id = $1) AND ($2 = '' OR (tenant_key >= $2 AND tenant_key < ($2 || '/')))
  AND CASE WHEN $8 = '' THEN $3::text[] IS NULL OR tenant = ANY($3) ELSE tenant = $8 END AND ($4 = '' OR state = $4) AND ($5 = '' OR level = $5)
  AND ($6::bool IS NULL OR overdue = $6) AND ($7::timestamptz IS NULL OR due_at < $7)
  AND ($9 = '' OR (due_at, id) < (split_part($9, '|', 1)::timestamptz, split_part($9, '|', 2)))
ORDER BY due_at DESC, id DESC LIMIT $10;

-- name: list_tenants_assignments_by_due
-- Some tenants' assignments by due time (an inbox: the tenants where the reader holds a role): $1 the tenants,
-- $2 level, $3 overdue ('' or NULL: any), $4 the cursor ('<due RFC 3339>|<id>' of the last row; '-infinity|'
-- from the start), $5 the limit. Each tenant's page from the (tenant, due_at, id) index, the cursor its
-- bound, then merged: a shape with one plan for every value, kept on the connection (in_scope_planned),
-- whose cost is the pages', not the tenants' years of rows.
SELECT a.* FROM unnest($1::text[]) AS t(code) CROSS JOIN LATERAL (
  SELECT id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
    state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, lines, original_due
  FROM assignments
  WHERE tenant = t.code AND (due_at, id) > (split_part($4, '|', 1)::timestamptz, split_part($4, '|', 2))
    AND ($2 = '' OR level = $2) AND ($3::bool IS NULL OR overdue = $3)
  ORDER BY due_at, id LIMIT $5) a
ORDER BY a.due_at, a.id LIMIT $5;

-- name: list_tenants_state_assignments_by_due
-- list_tenants_assignments_by_due in one state ($6): each tenant's page from the (tenant, state, due_at, id)
-- index (migration 015), so that its open work is found without walking its signed-off years.
SELECT a.* FROM unnest($1::text[]) AS t(code) CROSS JOIN LATERAL (
  SELECT id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
    state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, lines, original_due
  FROM assignments
  WHERE tenant = t.code AND state = $6 AND (due_at, id) > (split_part($4, '|', 1)::timestamptz, split_part($4, '|', 2))
    AND ($2 = '' OR level = $2) AND ($3::bool IS NULL OR overdue = $3)
  ORDER BY due_at, id LIMIT $5) a
ORDER BY a.due_at, a.id LIMIT $5;

-- name: count_tenants_assignments_kept
-- The total of list_tenants_assignments_by_due from the kept totals: $1 the tenants, $2 state, $3 level, $4 overdue.
SELECT coalesce(sum(n), 0) FROM assignment_totals
WHERE tenant = ANY($1) AND ($2 = '' OR state = $2) AND ($3 = '' OR level = $3) AND ($4::bool IS NULL OR overdue = $4);

-- name: get_assignment
SELECT id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
  state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, lines, original_due
FROM assignments WHERE id = $1;

-- name: assignment_history
SELECT version, at, actor, action, from_state, to_state, comment, details FROM assignment_events WHERE assignment_id = $1 ORDER BY version;

-- name: hazard_history
SELECT version, at, actor, action, from_state, to_state, comment, details FROM hazard_events WHERE hazard_id = $1 ORDER BY version;

-- name: get_campaign
SELECT id, template, title, scope, scope_path::text, levels, phases, targets, status, created_by, created_at, ended_at, end_reason,
  options, coalesce(parent_campaign, ''), period, lines
FROM campaigns WHERE id = $1;

-- name: count_campaigns
-- $1 status, $2 template, $3 line; '': any.
SELECT count(*) FROM campaigns WHERE ($1 = '' OR status = $1) AND ($2 = '' OR template = $2) AND ($3 = '' OR $3 = ANY (lines));

-- name: list_campaigns
-- Newest first: $4 the cursor (ids before it), $5 the limit.
SELECT id, template, title, scope, scope_path::text, levels, phases, targets, status, created_by, created_at, ended_at, end_reason,
  options, coalesce(parent_campaign, ''), period, lines
FROM campaigns WHERE ($1 = '' OR status = $1) AND ($2 = '' OR template = $2) AND ($3 = '' OR $3 = ANY (lines)) AND ($4 = '' OR id < $4)
ORDER BY id DESC LIMIT $5;

