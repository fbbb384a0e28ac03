-- name: user_exists
SELECT EXISTS (SELECT 1 FROM users WHERE login = $1);

-- name: insert_role_binding
INSERT INTO role_bindings (login, role, tenant, tenant_path, created_by, line)
SELECT $1, $2, code, path, $3, $5 FROM tenants WHERE code = $4
ON CONFLICT (login, role, tenant, line) DO NOTHING
RETURNING id, created_at, tenant_path::text;

-- name: revoke_role
DELETE FROM role_bindings WHERE id = $1;

-- name: all_role_bindings
SELECT id, login, role, tenant, tenant_path::text, line FROM role_bindings ORDER BY id;

-- name: count_role_bindings
-- $1 id (0: any), $2 login, $3 role, $4 within (tenant code), $5 line ('*': all lines); '': any.
SELECT count(*) FROM role_bindings
WHERE ($1 = 0 OR id = $1) AND ($2 = '' OR login = $2) AND ($3 = '' OR role = $3)
  AND ($4 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $4))
  AND ($5 = '' OR line = CASE $5 WHEN '*' THEN '' ELSE $5 END);

-- name: list_role_bindings
-- The conditions of count_role_bindings; $6 the cursor (ids above it), $7 the limit.
SELECT id, login, role, tenant, tenant_path::text, created_at, created_by, line FROM role_bindings
WHERE ($1 = 0 OR id = $1) AND ($2 = '' OR login = $2) AND ($3 = '' OR role = $3)
  AND ($4 = '' OR tenant_path <@ (SELECT path FROM tenants WHERE code = $4))
  AND ($5 = '' OR line = CASE $5 WHEN '*' THEN '' ELSE $5 END) AND id > $6
ORDER BY id LIMIT $7;
