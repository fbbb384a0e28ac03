-- A scope that sees a subtree whole (#16). Row-level security tests each
-- row's tenant and lines against the caller's scope: the tenant's path in
-- it, then the first line's path built from text (text2ltree(lines[1]) ||
-- path) and tested, and so on — about 0.7 µs a row on the machine #16 was
-- measured on, paid for every row a statement reads: the 1,584 kept totals
-- behind a province's open major hazards, the 3,342 rows of a national
-- campaign's progress. A planner bound without a line (the common case)
-- holds, beside its plain path, every line's path at the same place, and
-- then sees every row below that place whatever its lines. Those paths
-- are computed once a statement (duban_scope_whole), and a row below one
-- of them passes on one ltree test; any other row is tested as before.
-- Which rows a caller sees does not change: a path in duban_scope_whole is
-- in the scope, and so is every line's path at it, so a row below it
-- whose lines are known lines passes the old test too (its first line's
-- path is below a scope path); rows with an unknown line are left to the
-- old test. TestWholeScopeSeesTheSameRows compares both, row by row.

-- The lines: role_bindings' CHECK (migration 006) and duban.Lines()
-- (TestWholeScopeKnowsEveryLine).
CREATE FUNCTION duban_lines() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT '{construction,emergency,market,safety_office,food_office}'::text[]
$$;

-- The scope's paths at which every line's path is in the scope too. A loop
-- in PL/pgSQL (about 40 µs a statement): as an SQL function with a
-- subquery it is planned at every call (0.4 ms a statement).
CREATE FUNCTION duban_scope_whole() RETURNS ltree[] LANGUAGE plpgsql STABLE AS $$
DECLARE s ltree[] := duban_scope(); p ltree; l text; w ltree[] := '{}'; whole boolean;
BEGIN
  FOREACH p IN ARRAY s LOOP
    whole := true;
    FOREACH l IN ARRAY duban_lines() LOOP
      IF NOT ((text2ltree(l) || p) <@@ s) THEN
        whole := false;
        EXIT;
      END IF;
    END LOOP;
    IF whole THEN
      w := w || p;
    END IF;
  END LOOP;
  RETURN w;
END $$;
GRANT EXECUTE ON FUNCTION duban_lines(), duban_scope_whole() TO duban_app;

-- Every policy that reads through the "sees" test of tenant_path (alone,
-- or within a wider one: circulars, follow-ups, summonses, assessments)
-- tries the whole subtree first. Writes keep their checks (WITH CHECK).
DO $$
DECLARE sees text; p record; n int := 0;
BEGIN
  SELECT pg_get_expr(polqual, polrelid) INTO sees FROM pg_policy WHERE polrelid = 'assignments'::regclass AND polname = 'scope';
  IF sees NOT LIKE '((tenant_path <@@ ( SELECT duban_scope() AS duban_scope)) AND ((cardinality(lines) = 0) OR %' THEN
    RAISE EXCEPTION 'assignments'' policy is not the sees test: %', sees;
  END IF;
  FOR p IN SELECT polname, polrelid::regclass AS rel, pg_get_expr(polqual, polrelid) AS qual FROM pg_policy
           WHERE position(sees IN pg_get_expr(polqual, polrelid)) > 0 LOOP
    EXECUTE format('ALTER POLICY %I ON %s USING (%s)', p.polname, p.rel,
      replace(p.qual, sees, '(((tenant_path <@@ ( SELECT duban_scope_whole())) AND (lines <@ duban_lines())) OR ' || sees || ')'));
    n := n + 1;
  END LOOP;
  IF n < 20 THEN
    RAISE EXCEPTION 'only % policies read through the sees test', n;
  END IF;
END $$;

-- Policies written after this one get the same form.
CREATE OR REPLACE FUNCTION duban_rls(kind text, p text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT replace(replace(replace(replace(CASE kind
    WHEN 'sees' THEN '(({P} <@@ (SELECT duban_scope_whole()) AND lines <@ duban_lines()) OR ({P} <@ {S} AND (cardinality(lines) = 0 OR ((text2ltree(lines[1]) || {P}) <@ {S}) OR (cardinality(lines) > 1 AND (((text2ltree(lines[2]) || {P}) <@ {S}) OR (cardinality(lines) > 2 AND (((text2ltree(lines[3]) || {P}) <@ {S}) OR (cardinality(lines) > 3 AND (((text2ltree(lines[4]) || {P}) <@ {S}) OR (cardinality(lines) > 4 AND (((text2ltree(lines[5]) || {P}) <@ {S}))))))))))))'
    WHEN 'covers' THEN '({P} <@ {S} OR {P} @> {S}) AND cardinality(lines) > 0 AND (((text2ltree(lines[1]) || {P}) <@ {S} OR (text2ltree(lines[1]) || {P}) @> {S}) OR (cardinality(lines) > 1 AND (((text2ltree(lines[2]) || {P}) <@ {S} OR (text2ltree(lines[2]) || {P}) @> {S}) OR (cardinality(lines) > 2 AND (((text2ltree(lines[3]) || {P}) <@ {S} OR (text2ltree(lines[3]) || {P}) @> {S}) OR (cardinality(lines) > 3 AND (((text2ltree(lines[4]) || {P}) <@ {S} OR (text2ltree(lines[4]) || {P}) @> {S}) OR (cardinality(lines) > 4 AND (((text2ltree(lines[5]) || {P}) <@ {S} OR (text2ltree(lines[5]) || {P}) @> {S}))))))))))'
    WHEN 'holds' THEN '{P} <@ {S} AND cardinality(lines) > 0 AND ((text2ltree(lines[1]) || {P}) <@ {S}) AND (cardinality(lines) <= 1 OR (((text2ltree(lines[2]) || {P}) <@ {S}) AND (cardinality(lines) <= 2 OR (((text2ltree(lines[3]) || {P}) <@ {S}) AND (cardinality(lines) <= 3 OR (((text2ltree(lines[4]) || {P}) <@ {S}) AND (cardinality(lines) <= 4 OR (((text2ltree(lines[5]) || {P}) <@ {S})))))))))'
  END, ' <@ {S}', ' <@@ {S}'), ' @> {S}', ' @@> {S}'), '{P}', p), '{S}', '(SELECT duban_scope())')
$f$;

-- Kept totals read from their index alone: a subtree's totals are a range
-- of tenant_key (migration 014) and the province's open major hazards a
-- range within (grade, state); the index holds what the policy and the sum
-- read, so the rows' pages are not visited (the 1,584 totals behind the
-- province's open major hazards: a scan of the table's 4,752, 4.6 ms, to
-- 1.5 ms at 100×S).
DROP INDEX assignment_totals_key;
CREATE INDEX assignment_totals_key ON assignment_totals (tenant_key) INCLUDE (tenant, state, level, overdue, lines, tenant_path, n);
DROP INDEX hazard_totals_key;
CREATE INDEX hazard_totals_key ON hazard_totals (tenant_key) INCLUDE (grade, state, overdue, listed, lines, tenant_path, n);
CREATE INDEX hazard_totals_grade_state ON hazard_totals (grade, state, tenant_key) INCLUDE (overdue, listed, lines, tenant_path, n);
