-- name: create_user
INSERT INTO users (login, name, tenant, tenant_path, created_by)
SELECT $1, $2, code, path, $3 FROM tenants WHERE code = $4 RETURNING created_at, tenant_path::text;

-- name: get_user
SELECT login, name, tenant, tenant_path::text, disabled, created_at FROM users WHERE login = $1;

-- name: count_users
-- $1 within (tenant code; '': any).
SELECT count(*) FROM users WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1));

-- name: list_users
-- $2 the cursor (logins after it), $3 the limit.
SELECT login, name, tenant, tenant_path::text, disabled, created_at FROM users
WHERE ($1 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $1)) AND login > $2
ORDER BY login LIMIT $3;
