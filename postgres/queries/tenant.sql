-- name: all_tenants
SELECT code, name, level, coalesce(parent, ''), coalesce(supervisor, ''), path::text FROM tenants ORDER BY path;

-- name: get_tenant
SELECT code, name, level, coalesce(parent, ''), coalesce(supervisor, ''), path::text,
(SELECT count(*) FROM tenants c WHERE c.parent = t.code),
(SELECT count(*) FROM tenants c WHERE c.supervisor = t.code)
FROM tenants t WHERE code = $1;

-- name: count_tenants
-- $1 parent, $2 query (code prefix or name substring, matched literally), $3 level, $4 within (ltree[] literal); '' or NULL: any.
SELECT count(*) FROM tenants
WHERE ($1 = '' OR parent = $1) AND ($2 = '' OR starts_with(code, $2) OR strpos(name, $2) > 0) AND ($3 = '' OR level = $3)
  AND ($4::text IS NULL OR path <@ $4::text::ltree[]);

-- name: list_tenants
-- The conditions of count_tenants; $5 the cursor (codes after it), $6 the limit.
SELECT code, name, level, coalesce(parent, ''), coalesce(supervisor, ''), path::text FROM tenants
WHERE ($1 = '' OR parent = $1) AND ($2 = '' OR starts_with(code, $2) OR strpos(name, $2) > 0) AND ($3 = '' OR level = $3)
  AND ($4::text IS NULL OR path <@ $4::text::ltree[]) AND code > $5
ORDER BY code LIMIT $6;

-- name: tenant_path
SELECT path::text FROM tenants WHERE code = $1;
