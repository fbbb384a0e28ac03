-- name: upsert_follow_up
INSERT INTO follow_ups (id, tenant, tenant_path, issuer, issuer_path, lines, kind, source, state, due_at, doc, version, updated_at)
SELECT $1, $2, t.path, $3, i.path, $4, $5, $6, $7, $8, $9, $10, $11 FROM tenants t, tenants i WHERE t.code = $2 AND i.code = $3
ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, due_at = EXCLUDED.due_at, doc = EXCLUDED.doc, version = EXCLUDED.version,
updated_at = EXCLUDED.updated_at
WHERE follow_ups.version < EXCLUDED.version;

-- name: get_follow_up
SELECT doc, tenant_path::text FROM follow_ups WHERE id = $1;

-- name: count_follow_ups
-- $1 within (tenant code), $2 issuer, $3 kind, $4 state, $5 source; '': any.
SELECT count(*) FROM follow_ups
WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND ($2 = '' OR issuer = $2)
  AND ($3 = '' OR kind = $3) AND ($4 = '' OR state = $4) AND ($5 = '' OR source = $5);

-- name: list_follow_ups
-- The conditions of count_follow_ups; $6 the cursor (id), $7 the limit.
SELECT doc, tenant_path::text FROM follow_ups
WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND ($2 = '' OR issuer = $2)
  AND ($3 = '' OR kind = $3) AND ($4 = '' OR state = $4) AND ($5 = '' OR source = $5)
  AND ($6 = '' OR id > $6)
ORDER BY id LIMIT $7;

-- name: close_summons_when_done
-- A held summons closes once every commitment it recorded is done.
UPDATE summonses SET state = 'closed', version = version + 1, updated_at = $2,
  doc = doc || jsonb_build_object('state', 'closed', 'closed_at', $2::timestamptz, 'version', version + 1, 'updated_at', $2::timestamptz)
WHERE id = $1 AND state = 'held'
  AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.source = 'summons/' || $1 AND f.state <> 'done')
RETURNING tenant, convener;

-- name: insert_summons
-- A raised summons is claimed by its cause and unit: raising it again returns the first.
INSERT INTO summonses (id, tenant, tenant_path, convener, convener_path, lines, state, source, meeting_at, doc, version, updated_at)
SELECT $1, $2, t.path, $3, c.path, $4, $5, $6, $7, $8, $9, $10 FROM tenants t, tenants c WHERE t.code = $2 AND c.code = $3
ON CONFLICT (source, tenant) WHERE source <> '' DO NOTHING
RETURNING id;

-- name: summons_by_source
SELECT id FROM summonses WHERE source = $1 AND tenant = $2;

-- name: update_summons
-- Optimistic: only the version read may be replaced.
UPDATE summonses SET state = $2, meeting_at = $3, doc = $4, version = $5, updated_at = $6
WHERE id = $1 AND version = $5 - 1;

-- name: get_summons
SELECT doc, tenant_path::text FROM summonses WHERE id = $1;

-- name: count_summonses
-- $1 within (tenant code), $2 convener, $3 state; '': any.
SELECT count(*) FROM summonses
WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND ($2 = '' OR convener = $2) AND ($3 = '' OR state = $3);

-- name: list_summonses
-- The conditions of count_summonses; $4 the cursor (id), $5 the limit.
SELECT doc, tenant_path::text FROM summonses
WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND ($2 = '' OR convener = $2) AND ($3 = '' OR state = $3)
  AND ($4 = '' OR id > $4)
ORDER BY id LIMIT $5;

-- name: previous_laggards
-- The laggards of the issuer's circular on the campaign issued just before $3,
-- in the order of the issuer's 文号 (〔year〕n号: claimed in sequence, unlike
-- the signing time, which two circulars of one second share).
WITH numbered AS (
  SELECT id, content, (regexp_match(content->>'number', '〔(\d+)〕(\d+)号'))::int[] AS n
  FROM circulars WHERE campaign_id = $1 AND tenant = $2
)
SELECT coalesce((SELECT array(SELECT jsonb_array_elements_text(p.content->'laggards'))
  FROM numbered p, numbered c
  WHERE c.id = $3 AND p.id <> c.id AND p.n < c.n
  ORDER BY p.n DESC LIMIT 1), '{}');

-- name: insert_assessment
INSERT INTO assessments (id, tenant, tenant_path, campaign_id, year, lines, named, doc, version, created_at, updated_at)
SELECT $1, $2, path, $3, $4, $5, $6, $7, 1, $8, $8 FROM tenants WHERE code = $2;

-- name: update_assessment
UPDATE assessments SET doc = $2, version = $3, updated_at = $4 WHERE id = $1 AND version = $3 - 1;

-- name: get_assessment
SELECT doc, tenant_path::text FROM assessments WHERE id = $1;

-- name: count_assessments
-- $1 campaign, $2 year (0: any).
SELECT count(*) FROM assessments WHERE ($1 = '' OR campaign_id = $1) AND ($2 = 0 OR year = $2);

-- name: list_assessments
-- The conditions of count_assessments; $3 the cursor (id), $4 the limit.
SELECT doc, tenant_path::text FROM assessments WHERE ($1 = '' OR campaign_id = $1) AND ($2 = 0 OR year = $2)
  AND ($3 = '' OR id > $3)
ORDER BY id LIMIT $4;

-- name: assess_accidents
-- Accidents in the subtree $1 occurred in [$2, $3): count, deaths, major or worse, concealed (瞒报) or omitted (漏报).
SELECT count(*), coalesce(sum(deaths), 0),
  count(*) FILTER (WHERE grade IN ('major', 'especially_major')),
  count(*) FILTER (WHERE (doc->>'concealed')::bool),
  count(*) FILTER (WHERE (doc->>'omitted')::bool)
FROM accidents WHERE tenant_path <@ $1::text::ltree AND occurred_at >= $2 AND occurred_at < $3;

-- name: assess_on_time
-- Assignments in the subtree $1 due in [$2, $3) (not cancelled): how many, how many first submitted by their due date.
SELECT count(*), count(*) FILTER (WHERE first_submitted_at IS NOT NULL AND first_submitted_at <= due_at)
FROM assignments WHERE tenant_path <@ $1::text::ltree AND due_at >= $2 AND due_at < $3 AND state <> 'cancelled';

-- name: assess_hazards
-- Hazards in the subtree $1 whose rectification deadline fell in [$2, $3): how many, how many closed by it.
SELECT count(*), count(*) FILTER (WHERE state = 'closed' AND closed_at <= deadline)
FROM hazards WHERE tenant_path <@ $1::text::ltree AND deadline >= $2 AND deadline < $3;

-- name: accident_stats_by_region
-- Per tenant path of $1 (by ordinality): accidents occurred in [$2, $3) and their deaths.
SELECT n.i, count(a.id), coalesce(sum(a.deaths), 0)
FROM unnest($1::text[]) WITH ORDINALITY AS n(path, i)
LEFT JOIN accidents a ON a.tenant_path <@ n.path::ltree AND a.occurred_at >= $2 AND a.occurred_at < $3
GROUP BY n.i ORDER BY n.i;

-- name: accident_stats_own
-- Accidents of the tenant itself (本级) in [$2, $3).
SELECT count(*), coalesce(sum(deaths), 0) FROM accidents WHERE tenant = $1 AND occurred_at >= $2 AND occurred_at < $3;

-- name: accident_stats_by_sector
-- Per sector, accidents in the subtree $1 occurred in [$2, $3).
SELECT sector, count(*), coalesce(sum(deaths), 0) FROM accidents
WHERE tenant_path <@ $1::text::ltree AND occurred_at >= $2 AND occurred_at < $3
GROUP BY sector ORDER BY sector;
