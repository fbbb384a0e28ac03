-- name: upsert_enterprise
-- $1 code, $2 tenant, $3 lines, $4 name, $5 doc, $6 at, $7 by, $8 expected version (0: any, -1: must be new),
-- $9 kind, $10 gc_grade, $11 status, $12 address mismatch. Answers the new version and whether it was inserted;
-- nothing when the record is unchanged or the version did not match.
INSERT INTO enterprises AS r (credit_code, tenant, tenant_path, lines, name, doc, version, created_at, updated_at, updated_by, kind, gc_grade, status, address_mismatch)
SELECT $1, t.code, t.path, $3, $4, $5, 1, $6, $6, $7, $9, $10, $11, $12 FROM tenants t WHERE t.code = $2
ON CONFLICT (credit_code) DO UPDATE SET tenant = EXCLUDED.tenant, tenant_path = EXCLUDED.tenant_path, lines = EXCLUDED.lines, name = EXCLUDED.name,
  doc = EXCLUDED.doc, version = r.version + 1, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
  kind = EXCLUDED.kind, gc_grade = EXCLUDED.gc_grade, status = EXCLUDED.status, address_mismatch = EXCLUDED.address_mismatch
WHERE $8 >= 0 AND ($8 = 0 OR r.version = $8) AND r.doc IS DISTINCT FROM EXCLUDED.doc
RETURNING version, xmax = 0;

-- name: upsert_project
-- As upsert_enterprise; $9 contractor, $10 contract amount, $11 status.
INSERT INTO projects AS r (code, tenant, tenant_path, lines, name, doc, version, created_at, updated_at, updated_by, contractor, contract_amount, status)
SELECT $1, t.code, t.path, $3, $4, $5, 1, $6, $6, $7, nullif($9, ''), $10, $11 FROM tenants t WHERE t.code = $2
ON CONFLICT (code) DO UPDATE SET tenant = EXCLUDED.tenant, tenant_path = EXCLUDED.tenant_path, lines = EXCLUDED.lines, name = EXCLUDED.name,
  doc = EXCLUDED.doc, version = r.version + 1, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
  contractor = EXCLUDED.contractor, contract_amount = EXCLUDED.contract_amount, status = EXCLUDED.status
WHERE $8 >= 0 AND ($8 = 0 OR r.version = $8) AND r.doc IS DISTINCT FROM EXCLUDED.doc
RETURNING version, xmax = 0;

-- name: upsert_person
-- As upsert_enterprise; $9 role, $10 employer, $11 id hash, $12 id sealed, $13 phone sealed (kept when null and unchanged).
INSERT INTO personnel AS r (id, tenant, tenant_path, lines, name, doc, version, created_at, updated_at, updated_by, role, employer, id_hash, id_sealed, phone_sealed)
SELECT $1, t.code, t.path, $3, $4, $5, 1, $6, $6, $7, $9, nullif($10, ''), $11, $12, $13 FROM tenants t WHERE t.code = $2
ON CONFLICT (id) DO UPDATE SET tenant = EXCLUDED.tenant, tenant_path = EXCLUDED.tenant_path, lines = EXCLUDED.lines, name = EXCLUDED.name,
  doc = EXCLUDED.doc, version = r.version + 1, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
  role = EXCLUDED.role, employer = EXCLUDED.employer, phone_sealed = EXCLUDED.phone_sealed
WHERE $8 >= 0 AND ($8 = 0 OR r.version = $8) AND r.doc IS DISTINCT FROM EXCLUDED.doc
RETURNING version, xmax = 0;

-- name: registry_version
-- The stored version of a record visible in scope ($1 table kind, $2 key).
SELECT version FROM enterprises WHERE $1 = 'enterprises' AND credit_code = $2
UNION ALL SELECT version FROM projects WHERE $1 = 'projects' AND code = $2
UNION ALL SELECT version FROM personnel WHERE $1 = 'personnel' AND id = $2;

-- name: insert_registry_event
INSERT INTO registry_events (kind, key, version, tenant_path, lines, at, actor, action, details)
SELECT $1, $2, $3, path, $5, $6, $7, $8, $9 FROM tenants WHERE code = $4
ON CONFLICT (kind, key, version) DO NOTHING;

-- name: registry_keys_anywhere
-- Which of the keys exist at all ($1 kind, $2 keys), with their tenant's path: run in the system scope,
-- to tell "registered elsewhere" from "new".
SELECT credit_code, tenant_path::text FROM enterprises WHERE $1 = 'enterprises' AND credit_code = ANY ($2)
UNION ALL SELECT code, tenant_path::text FROM projects WHERE $1 = 'projects' AND code = ANY ($2)
UNION ALL SELECT id, tenant_path::text FROM personnel WHERE $1 = 'personnel' AND id = ANY ($2);

-- name: get_enterprise
SELECT doc || jsonb_build_object('version', version, 'created_at', created_at, 'updated_at', updated_at, 'updated_by', updated_by,
  'dual_prevention', dual_prevention, 'dual_prevention_verified_at', dp_verified_at, 'dual_prevention_verified_by', dp_verified_by,
  'address_mismatch', address_mismatch), tenant_path::text
FROM enterprises WHERE credit_code = $1;

-- name: count_enterprises
-- $1 within (path, '': any), $2 a name substring or a code prefix ('': any), $3 kind, $4 status, $5 line,
-- $6 only address mismatches, $7 only the dual-prevention core scope ($8 its max grade)
SELECT count(*) FROM enterprises
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR name ILIKE duban_like($2) OR starts_with(credit_code, upper($2)))
  AND ($3 = '' OR kind = $3) AND ($4 = '' OR status = $4) AND ($5 = '' OR $5 = ANY (lines))
  AND (NOT $6 OR address_mismatch) AND (NOT $7 OR (kind = 'construction' AND gc_grade <= $8));

-- name: list_enterprises
-- The conditions of count_enterprises; $9 the cursor (codes after it), $10 the limit.
SELECT doc || jsonb_build_object('version', version, 'created_at', created_at, 'updated_at', updated_at, 'updated_by', updated_by,
  'dual_prevention', dual_prevention, 'dual_prevention_verified_at', dp_verified_at, 'dual_prevention_verified_by', dp_verified_by,
  'address_mismatch', address_mismatch), tenant_path::text
FROM enterprises
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR name ILIKE duban_like($2) OR starts_with(credit_code, upper($2)))
  AND ($3 = '' OR kind = $3) AND ($4 = '' OR status = $4) AND ($5 = '' OR $5 = ANY (lines))
  AND (NOT $6 OR address_mismatch) AND (NOT $7 OR (kind = 'construction' AND gc_grade <= $8)) AND credit_code > $9
ORDER BY credit_code LIMIT $10;

-- name: get_project
SELECT doc || jsonb_build_object('version', version, 'created_at', created_at, 'updated_at', updated_at, 'updated_by', updated_by,
  'dual_prevention', dual_prevention, 'dual_prevention_verified_at', dp_verified_at, 'dual_prevention_verified_by', dp_verified_by), tenant_path::text
FROM projects WHERE code = $1;

-- name: count_projects
-- $1 within, $2 name/code pattern, $3 contractor, $4 status, $5 line, $6 only the core scope ($7 its minimum contract amount)
SELECT count(*) FROM projects
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR name ILIKE duban_like($2) OR starts_with(code, $2))
  AND ($3 = '' OR contractor = $3) AND ($4 = '' OR status = $4) AND ($5 = '' OR $5 = ANY (lines)) AND (NOT $6 OR contract_amount >= $7);

-- name: list_projects
-- The conditions of count_projects; $8 the cursor, $9 the limit.
SELECT doc || jsonb_build_object('version', version, 'created_at', created_at, 'updated_at', updated_at, 'updated_by', updated_by,
  'dual_prevention', dual_prevention, 'dual_prevention_verified_at', dp_verified_at, 'dual_prevention_verified_by', dp_verified_by), tenant_path::text
FROM projects
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR name ILIKE duban_like($2) OR starts_with(code, $2))
  AND ($3 = '' OR contractor = $3) AND ($4 = '' OR status = $4) AND ($5 = '' OR $5 = ANY (lines)) AND (NOT $6 OR contract_amount >= $7)
  AND code > $8
ORDER BY code LIMIT $9;

-- name: get_person
SELECT doc || jsonb_build_object('version', version, 'created_at', created_at, 'updated_at', updated_at, 'updated_by', updated_by), tenant_path::text
FROM personnel WHERE id = $1;

-- name: count_personnel
-- $1 within, $2 name pattern, $3 employer, $4 role, $5 line
SELECT count(*) FROM personnel
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR name ILIKE duban_like($2)) AND ($3 = '' OR employer = $3) AND ($4 = '' OR role = $4)
  AND ($5 = '' OR $5 = ANY (lines));

-- name: list_personnel
-- The conditions of count_personnel; $6 the cursor, $7 the limit.
SELECT doc || jsonb_build_object('version', version, 'created_at', created_at, 'updated_at', updated_at, 'updated_by', updated_by), tenant_path::text
FROM personnel
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR name ILIKE duban_like($2)) AND ($3 = '' OR employer = $3) AND ($4 = '' OR role = $4)
  AND ($5 = '' OR $5 = ANY (lines)) AND id > $6
ORDER BY id LIMIT $7;

-- name: person_sealed
SELECT id_sealed, phone_sealed, tenant FROM personnel WHERE id = $1;

-- name: set_enterprise_dual_prevention
-- $1 code, $2 stage, $3 expected version, $4 at, $5 by
UPDATE enterprises SET dual_prevention = $2, version = version + 1, updated_at = $4::timestamptz, updated_by = $5::text,
  dp_verified_at = CASE WHEN $2 = 'verified' THEN $4::timestamptz END, dp_verified_by = CASE WHEN $2 = 'verified' THEN $5::text ELSE '' END
WHERE credit_code = $1 AND version = $3
RETURNING version, tenant, lines;

-- name: set_project_dual_prevention
UPDATE projects SET dual_prevention = $2, version = version + 1, updated_at = $4::timestamptz, updated_by = $5::text,
  dp_verified_at = CASE WHEN $2 = 'verified' THEN $4::timestamptz END, dp_verified_by = CASE WHEN $2 = 'verified' THEN $5::text ELSE '' END
WHERE code = $1 AND version = $3
RETURNING version, tenant, lines;

-- name: registry_ref_within
-- Whether a record ($1 kind, $2 key) is registered inside the subtree $3 (system scope: a county's hazard may name a
-- contractor its province registered).
SELECT EXISTS (SELECT 1 FROM enterprises WHERE $1 = 'enterprises' AND credit_code = $2 AND tenant_path <@ $3::ltree)
    OR EXISTS (SELECT 1 FROM projects WHERE $1 = 'projects' AND code = $2 AND tenant_path <@ $3::ltree);

-- name: refs_within
-- Which of the enterprise codes $1 are registered inside the subtree $2.
SELECT credit_code FROM enterprises WHERE credit_code = ANY ($1) AND tenant_path <@ $2::ltree;

-- name: enterprise_coverage
-- Per supervised child of the node at path $1 (depth $2 labels), the enterprises in the core scope ($3 max grade)
-- and those verified ($4: the extension tier, every construction enterprise); rows at the node itself are its own ("" child).
SELECT CASE WHEN nlevel(tenant_path) > $2 THEN subpath(tenant_path, $2, 1)::text ELSE '' END AS child,
  count(*) FILTER (WHERE gc_grade <= $3 OR $4),
  count(*) FILTER (WHERE (gc_grade <= $3 OR $4) AND dual_prevention = 'verified')
FROM enterprises WHERE tenant_path <@ $1::ltree AND kind = 'construction' AND status = 'active'
GROUP BY 1;

-- name: project_coverage
-- As enterprise_coverage for projects of at least $3 CNY (all, with $4 the extension tier), not completed.
SELECT CASE WHEN nlevel(tenant_path) > $2 THEN subpath(tenant_path, $2, 1)::text ELSE '' END AS child,
  count(*) FILTER (WHERE contract_amount >= $3 OR $4),
  count(*) FILTER (WHERE (contract_amount >= $3 OR $4) AND dual_prevention = 'verified')
FROM projects WHERE tenant_path <@ $1::ltree AND status <> 'completed'
GROUP BY 1;

-- name: upsert_dangerous_work
INSERT INTO dangerous_works (id, project, tenant, tenant_path, lines, category, over_scale, gates_passed, next_due, overdue, escalation_level, doc, version, updated_at)
SELECT $1, $2, t.code, t.path, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM tenants t WHERE t.code = $3
ON CONFLICT (id) DO UPDATE SET gates_passed = EXCLUDED.gates_passed, next_due = EXCLUDED.next_due, overdue = EXCLUDED.overdue,
  escalation_level = EXCLUDED.escalation_level, doc = EXCLUDED.doc, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
WHERE dangerous_works.version < EXCLUDED.version;

-- name: get_dangerous_work
SELECT doc, tenant_path::text FROM dangerous_works WHERE id = $1;

-- name: count_dangerous_works
-- $1 within, $2 project, $3 category, $4 only overdue, $5 only over scale
SELECT count(*) FROM dangerous_works
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR project = $2) AND ($3 = '' OR category = $3) AND (NOT $4 OR overdue) AND (NOT $5 OR over_scale);

-- name: list_dangerous_works
-- The conditions of count_dangerous_works; $6 the cursor, $7 the limit.
SELECT doc, tenant_path::text FROM dangerous_works
WHERE ($1 = '' OR tenant_path <@ $1::ltree) AND ($2 = '' OR project = $2) AND ($3 = '' OR category = $3) AND (NOT $4 OR overdue) AND (NOT $5 OR over_scale)
  AND id > $6
ORDER BY id LIMIT $7;

-- name: province_path
-- The supervision path of a tenant's province (the tenant's own path above province level).
SELECT coalesce((SELECT p.path::text FROM tenants t JOIN tenants p ON p.path @> t.path AND p.level = 'province' WHERE t.code = $1),
                (SELECT path::text FROM tenants WHERE code = $1), '');
