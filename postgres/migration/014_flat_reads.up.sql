-- Reads that cost the same in year three as in week one (#16).
--
-- 1. Row-level security no longer blinds the planner. A policy compares the
-- row's path (and each line || path) with the caller's scope, an init plan
-- whose value the planner cannot see: ltree's estimator then guesses that
-- 1 % of the rows pass the tenant test and 0.1 % each line test, and with
-- five lines chained, that one row of a province's 300,000 passes.
-- Believing one row matches, the planner sorts every row of the province
-- for a page of 50 rather than walking the primary key until 50 match
-- (EXPLAIN ANALYZE at 3×S: 315 ms against 0.1 ms); believing 75 of a
-- county's 15,000 notices are visible, it sorts them all rather than reading
-- the newest 50 backwards. The same tests through operators without an
-- estimator are estimated at one half each (PostgreSQL's default when it
-- cannot estimate), so the plan is chosen by the list's own conditions,
-- which are LEAKPROOF and estimated from the statistics (part 2). The
-- policies stay guards, not access paths: each list reaches its rows through
-- its own conditions' indexes.
CREATE OPERATOR <@@ (LEFTARG = ltree, RIGHTARG = ltree[], FUNCTION = _ltree_r_isparent);
CREATE OPERATOR @@> (LEFTARG = ltree, RIGHTARG = ltree[], FUNCTION = _ltree_r_risparent);

-- Every policy written by duban_rls (and the circulars' and assessments'
-- "named" checks) moves to the new operators.
DO $$
DECLARE p record; u text; c text;
BEGIN
  FOR p IN SELECT polname, polrelid::regclass AS rel, pg_get_expr(polqual, polrelid) AS qual, pg_get_expr(polwithcheck, polrelid) AS chk
           FROM pg_policy WHERE pg_get_expr(polqual, polrelid) LIKE '%text2ltree(%' LOOP
    u := replace(replace(p.qual, ' <@ ( SELECT duban_scope() AS duban_scope)', ' <@@ ( SELECT duban_scope() AS duban_scope)'),
                 ' @> ( SELECT duban_scope() AS duban_scope)', ' @@> ( SELECT duban_scope() AS duban_scope)');
    c := replace(replace(p.chk, ' <@ ( SELECT duban_scope() AS duban_scope)', ' <@@ ( SELECT duban_scope() AS duban_scope)'),
                 ' @> ( SELECT duban_scope() AS duban_scope)', ' @@> ( SELECT duban_scope() AS duban_scope)');
    IF u = p.qual OR u LIKE '% <@ ( SELECT duban_scope()%' THEN
      RAISE EXCEPTION 'policy % on %: not every scope test rewritten', p.polname, p.rel;
    END IF;
    EXECUTE format('ALTER POLICY %I ON %s USING (%s) WITH CHECK (%s)', p.polname, p.rel, u, c);
  END LOOP;
END $$;

-- Policies written after this one get the same form.
CREATE OR REPLACE FUNCTION duban_rls(kind text, p text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT replace(replace(replace(replace(CASE kind
    WHEN 'sees' THEN '{P} <@ {S} AND (cardinality(lines) = 0 OR ((text2ltree(lines[1]) || {P}) <@ {S}) OR (cardinality(lines) > 1 AND (((text2ltree(lines[2]) || {P}) <@ {S}) OR (cardinality(lines) > 2 AND (((text2ltree(lines[3]) || {P}) <@ {S}) OR (cardinality(lines) > 3 AND (((text2ltree(lines[4]) || {P}) <@ {S}) OR (cardinality(lines) > 4 AND (((text2ltree(lines[5]) || {P}) <@ {S}))))))))))'
    WHEN 'covers' THEN '({P} <@ {S} OR {P} @> {S}) AND cardinality(lines) > 0 AND (((text2ltree(lines[1]) || {P}) <@ {S} OR (text2ltree(lines[1]) || {P}) @> {S}) OR (cardinality(lines) > 1 AND (((text2ltree(lines[2]) || {P}) <@ {S} OR (text2ltree(lines[2]) || {P}) @> {S}) OR (cardinality(lines) > 2 AND (((text2ltree(lines[3]) || {P}) <@ {S} OR (text2ltree(lines[3]) || {P}) @> {S}) OR (cardinality(lines) > 3 AND (((text2ltree(lines[4]) || {P}) <@ {S} OR (text2ltree(lines[4]) || {P}) @> {S}) OR (cardinality(lines) > 4 AND (((text2ltree(lines[5]) || {P}) <@ {S} OR (text2ltree(lines[5]) || {P}) @> {S}))))))))))'
    WHEN 'holds' THEN '{P} <@ {S} AND cardinality(lines) > 0 AND ((text2ltree(lines[1]) || {P}) <@ {S}) AND (cardinality(lines) <= 1 OR (((text2ltree(lines[2]) || {P}) <@ {S}) AND (cardinality(lines) <= 2 OR (((text2ltree(lines[3]) || {P}) <@ {S}) AND (cardinality(lines) <= 3 OR (((text2ltree(lines[4]) || {P}) <@ {S}) AND (cardinality(lines) <= 4 OR (((text2ltree(lines[5]) || {P}) <@ {S})))))))))'
  END, ' <@ {S}', ' <@@ {S}'), ' @> {S}', ' @@> {S}'), '{P}', p), '{S}', '(SELECT duban_scope())')
$f$;

-- 2. A subtree the planner can see. The subtree filter (tenant_path <@ the
-- tenant's path) is an ltree operator, and ltree's operators are not
-- LEAKPROOF: under row-level security PostgreSQL neither estimates them from
-- the statistics (it guesses 1 %) nor runs them in an index before the
-- policy. The path as text in the bytewise collation (C) makes the same
-- subtree a range, [path, path || '/') ('/' follows '.', and every label is
-- letters, digits and '_'), and text comparisons are LEAKPROOF: estimated
-- from the statistics (a province's 40 % of the rows, not 1 %, so its page
-- walks the primary key instead of sorting the province) and served by an
-- index.
ALTER TABLE assignments ADD COLUMN tenant_key text COLLATE "C" GENERATED ALWAYS AS (tenant_path::text) STORED;
ALTER TABLE hazards ADD COLUMN tenant_key text COLLATE "C" GENERATED ALWAYS AS (tenant_path::text) STORED;
CREATE INDEX assignments_tenant_key ON assignments (tenant_key);
CREATE INDEX hazards_tenant_key ON hazards (tenant_key);

-- 3. Totals kept as rows change. A list's total was count(*) over every
-- matching row, each through row-level security: a province's year three
-- counted a million. The totals are kept per tenant and per value of each
-- filter a list offers without a campaign (state, level, overdue; grade,
-- listed for hazards), and per lines, so that row-level security on the
-- totals shows a caller exactly the rows it would count. Statement
-- triggers add what a statement inserted and subtract what it replaced.
CREATE TABLE assignment_totals (
  tenant      text NOT NULL,
  tenant_path ltree NOT NULL,
  lines       text[] NOT NULL,
  state       text NOT NULL,
  level       text NOT NULL,
  overdue     boolean NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (tenant, lines, state, level, overdue)
);
CREATE TABLE hazard_totals (
  tenant      text NOT NULL,
  tenant_path ltree NOT NULL,
  lines       text[] NOT NULL,
  grade       text NOT NULL,
  state       text NOT NULL,
  overdue     boolean NOT NULL,
  listed      boolean NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (tenant, lines, grade, state, overdue, listed)
);
-- notices per inbox, and those each reader has read (unread = the
-- difference)
CREATE TABLE notification_totals (
  tenant      text NOT NULL,
  tenant_path ltree NOT NULL,
  lines       text[] NOT NULL,
  login       text NOT NULL, -- '' all notices; a login: those it has read
  n           bigint NOT NULL,
  PRIMARY KEY (tenant, lines, login)
);
-- a subtree's totals are a range of tenant_key, as for the rows (part 2)
ALTER TABLE assignment_totals ADD COLUMN tenant_key text COLLATE "C" GENERATED ALWAYS AS (tenant_path::text) STORED;
ALTER TABLE hazard_totals ADD COLUMN tenant_key text COLLATE "C" GENERATED ALWAYS AS (tenant_path::text) STORED;
CREATE INDEX assignment_totals_key ON assignment_totals (tenant_key);
CREATE INDEX hazard_totals_key ON hazard_totals (tenant_key);
-- the province's view of its open major hazards (重大隐患) in id order
CREATE INDEX hazards_grade_state ON hazards (grade, state, id);

CREATE FUNCTION duban_assignment_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO assignment_totals AS t SELECT tenant, tenant_path, lines, state, level, overdue, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 3, 4, 5, 6
    ON CONFLICT (tenant, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO assignment_totals AS t SELECT tenant, tenant_path, lines, state, level, overdue, sum(d)
    FROM (SELECT tenant, tenant_path, lines, state, level, overdue, 1 AS d FROM new_rows
          UNION ALL SELECT tenant, tenant_path, lines, state, level, overdue, -1 FROM old_rows) x
    GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d) <> 0 ORDER BY 1, 3, 4, 5, 6
    ON CONFLICT (tenant, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSE
    INSERT INTO assignment_totals AS t SELECT tenant, tenant_path, lines, state, level, overdue, -count(*)
    FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 3, 4, 5, 6
    ON CONFLICT (tenant, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER assignment_totals_insert AFTER INSERT ON assignments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_assignment_totals();
CREATE TRIGGER assignment_totals_update AFTER UPDATE ON assignments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_assignment_totals();
CREATE TRIGGER assignment_totals_delete AFTER DELETE ON assignments REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_assignment_totals();

CREATE FUNCTION duban_hazard_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO hazard_totals AS t SELECT tenant, tenant_path, lines, grade, state, overdue, listed, count(*)
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 3, 4, 5, 6, 7
    ON CONFLICT (tenant, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO hazard_totals AS t SELECT tenant, tenant_path, lines, grade, state, overdue, listed, sum(d)
    FROM (SELECT tenant, tenant_path, lines, grade, state, overdue, listed, 1 AS d FROM new_rows
          UNION ALL SELECT tenant, tenant_path, lines, grade, state, overdue, listed, -1 FROM old_rows) x
    GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d) <> 0 ORDER BY 1, 3, 4, 5, 6, 7
    ON CONFLICT (tenant, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSE
    INSERT INTO hazard_totals AS t SELECT tenant, tenant_path, lines, grade, state, overdue, listed, -count(*)
    FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 3, 4, 5, 6, 7
    ON CONFLICT (tenant, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER hazard_totals_insert AFTER INSERT ON hazards REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_hazard_totals();
CREATE TRIGGER hazard_totals_update AFTER UPDATE ON hazards REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_hazard_totals();
CREATE TRIGGER hazard_totals_delete AFTER DELETE ON hazards REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_hazard_totals();

-- notices: inserted ones count for the inbox; a read counts for its reader
-- (by the notice's inbox and lines, read from the notice)
CREATE FUNCTION duban_notification_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_TABLE_NAME = 'notifications' THEN
    INSERT INTO notification_totals AS t SELECT tenant, tenant_path, lines, '', count(*)
    FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 3
    ON CONFLICT (tenant, lines, login) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSE
    INSERT INTO notification_totals AS t SELECT n.tenant, n.tenant_path, n.lines, r.login, count(*)
    FROM new_rows r JOIN notifications n ON n.id = r.notification_id GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 4
    ON CONFLICT (tenant, lines, login) DO UPDATE SET n = t.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER notification_totals_insert AFTER INSERT ON notifications REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_notification_totals();
CREATE TRIGGER notification_reads_totals_insert AFTER INSERT ON notification_reads REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_notification_totals();

INSERT INTO assignment_totals SELECT tenant, tenant_path, lines, state, level, overdue, count(*) FROM assignments GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO hazard_totals SELECT tenant, tenant_path, lines, grade, state, overdue, listed, count(*) FROM hazards GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO notification_totals SELECT tenant, tenant_path, lines, '', count(*) FROM notifications GROUP BY 1, 2, 3;
INSERT INTO notification_totals SELECT n.tenant, n.tenant_path, n.lines, r.login, count(*)
  FROM notification_reads r JOIN notifications n ON n.id = r.notification_id GROUP BY 1, 2, 3, 4;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['assignment_totals', 'hazard_totals', 'notification_totals'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY scope ON %I USING (%s)', t, duban_rls('sees', 'tenant_path'));
    EXECUTE format('GRANT SELECT ON %I TO duban_app', t);
  END LOOP;
END $$;
