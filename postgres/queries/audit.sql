-- name: audit_tenant_path
SELECT path::text FROM tenants WHERE code = $1;

-- name: ensure_audit_head
INSERT INTO audit_heads (tenant, tenant_path) VALUES ($1, $2::text::ltree) ON CONFLICT DO NOTHING;

-- name: lock_audit_head
SELECT seq, hash FROM audit_heads WHERE tenant = $1 FOR UPDATE;

-- name: normalise_json
SELECT $1::jsonb::text;

-- name: insert_audit_event
INSERT INTO audit_events (tenant, tenant_path, seq, actor, action, target, outcome, request_id, at, summary, prev_hash, hash)
VALUES ($1, $2::text::ltree, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id;

-- name: advance_audit_head
UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant = $1;

-- name: audit_events_in_order
SELECT id, tenant, seq, actor, action, target, outcome, request_id, at, summary::text, prev_hash, hash
FROM audit_events ORDER BY tenant_path, seq;

-- name: audit_heads_with_last_event
SELECT h.tenant, h.seq, h.hash, coalesce(e.hash, ''), coalesce(e.id, 0) FROM audit_heads h
LEFT JOIN audit_events e ON e.tenant = h.tenant AND e.seq = h.seq ORDER BY h.tenant_path;

-- name: count_audit_events
-- $1 tenant, $2 action; '': any.
SELECT count(*) FROM audit_events WHERE ($1 = '' OR tenant = $1) AND ($2 = '' OR action = $2);

-- name: list_audit_events
-- Newest first: $3 the cursor (ids below it; 0: none), $4 the limit.
SELECT id, tenant, seq, actor, action, target, outcome, request_id, at, summary::text, prev_hash, hash
FROM audit_events WHERE ($1 = '' OR tenant = $1) AND ($2 = '' OR action = $2) AND ($3 = 0 OR id < $3)
ORDER BY id DESC LIMIT $4;

-- name: audit_events_since_checkpoint
-- Each chain from its checkpoint event on (from the start without one), with the checkpoint's seq and hash:
-- one range of the (tenant, seq) index per chain, so the cost is what was added since. The start is
-- computed apart (OFFSET 0 keeps it a plain value) so that the range is an index condition, not a
-- filter applied after row-level security to every event of the chain.
SELECT e.id, e.tenant, e.seq, e.actor, e.action, e.target, e.outcome, e.request_id, e.at, e.summary::text, e.prev_hash, e.hash,
  s.cp_seq, s.cp_hash
FROM (SELECT h.tenant, h.tenant_path, coalesce(c.seq, 0) AS cp_seq, coalesce(c.hash, '') AS cp_hash, coalesce(c.seq, 1) AS from_seq
      FROM audit_heads h LEFT JOIN audit_checkpoints c ON c.tenant = h.tenant OFFSET 0) s
CROSS JOIN LATERAL (SELECT * FROM audit_events x WHERE x.tenant = s.tenant AND x.seq >= s.from_seq ORDER BY x.seq) e
ORDER BY s.tenant_path, e.seq;

-- name: audit_checkpoints_without_event
-- Checkpoints whose event is gone.
SELECT c.tenant, c.seq FROM audit_checkpoints c
WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.tenant = c.tenant AND e.seq = c.seq) ORDER BY c.tenant_path;

-- name: advance_audit_checkpoints
-- The last verified event of each chain ($1 tenants, $2 seqs, $3 hashes) becomes its checkpoint; never backwards.
INSERT INTO audit_checkpoints (tenant, tenant_path, seq, hash, verified_at)
SELECT v.tenant, t.path, v.seq, v.hash, now() FROM unnest($1::text[], $2::bigint[], $3::text[]) AS v(tenant, seq, hash)
JOIN tenants t ON t.code = v.tenant
ON CONFLICT (tenant) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, verified_at = EXCLUDED.verified_at
WHERE audit_checkpoints.seq < EXCLUDED.seq;
