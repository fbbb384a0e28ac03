-- name: claim_idempotency
-- $1 login, $2 key, $3 operation, $4 request hash, $5 tenant path, $6 TTL, $7 claim timeout.
-- Inserts a claim in flight (status 0), or takes over an expired entry or a stale claim.
INSERT INTO idempotency_keys (login, key, operation, request_hash, status, response, tenant_path, created_at, claimed_at)
VALUES ($1, $2, $3, $4, 0, NULL, $5::text::ltree, now(), now())
ON CONFLICT (login, key) DO UPDATE SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash,
    status = 0, response = NULL, tenant_path = EXCLUDED.tenant_path, created_at = now(), claimed_at = now()
WHERE (idempotency_keys.status <> 0 AND idempotency_keys.created_at <= now() - $6::interval)
   OR (idempotency_keys.status = 0 AND idempotency_keys.claimed_at <= now() - $7::interval);

-- name: get_idempotency
SELECT login, key, operation, request_hash, status, response, tenant_path::text
FROM idempotency_keys WHERE login = $1 AND key = $2;

-- name: complete_idempotency
UPDATE idempotency_keys SET status = $3, response = $4::jsonb WHERE login = $1 AND key = $2 AND status = 0;

-- name: release_idempotency
DELETE FROM idempotency_keys WHERE login = $1 AND key = $2 AND status = 0;
