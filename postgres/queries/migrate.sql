-- name: migration_lock
SELECT pg_advisory_lock($1);

-- name: migration_unlock
SELECT pg_advisory_unlock($1);

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());

-- name: migration_applied
SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1);

-- name: record_migration
INSERT INTO schema_migrations (version, name) VALUES ($1, $2);

-- name: create_tenants_in
CREATE TEMP TABLE tenants_in (code text, name text, level text, parent text, supervisor text, path text) ON COMMIT DROP;

-- name: upsert_tenants
INSERT INTO tenants (code, name, level, parent, supervisor, path)
SELECT code, name, level, parent, supervisor, path::ltree FROM tenants_in ORDER BY nlevel(path::ltree)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
parent = EXCLUDED.parent, supervisor = EXCLUDED.supervisor, path = EXCLUDED.path
WHERE (tenants.name, tenants.level, tenants.parent, tenants.supervisor, tenants.path) IS DISTINCT FROM
(EXCLUDED.name, EXCLUDED.level, EXCLUDED.parent, EXCLUDED.supervisor, EXCLUDED.path);
