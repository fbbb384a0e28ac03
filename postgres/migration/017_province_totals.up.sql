-- A province's totals in a few rows (#16). The kept totals (migration 014)
-- are per tenant, so a province's total sums a row per tenant, line and
-- filter value: the 1,584 rows behind its open major hazards at 100×S,
-- about 1.5 ms, most of what a province's hazards page costs beyond the
-- page itself. Each province's totals are kept here as well, summed over
-- its subtree, and a reader none of whose scope lies below the province
-- (bound there or above, in any lines: postgres.provinceSeen) reads them:
-- a handful of rows. A reader bound below it sums the tenants' rows it
-- sees, as before.
--
-- Who sees a province's row: the same test as for any row, with the
-- province's path. For a reader none of whose scope lies below the
-- province, whether a row below it is seen depends on its lines alone, the
-- same for the province's row of those lines: so the sum of the province's
-- rows it sees is the sum of the tenants' rows it sees. For any other
-- reader the province's rows show less, never more.
-- TestKeptTotalsEqualCounts compares both with count(*) under each scope
-- and shows which is read.
--
-- Every write in a province adds to its row of the same line and filter
-- values, so such writes wait for each other's commit there (the tenants'
-- rows already make writers at one tenant wait); rows are taken in key
-- order, so they do not deadlock.
-- No write to assignments or hazards may run the old trigger functions
-- after the province's rows are summed below (an instance not yet upgraded,
-- writing during the migration, would be missing from them for good).
LOCK TABLE assignments, hazards IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE assignment_province_totals (
  tenant_path ltree NOT NULL, -- the province's
  lines       text[] NOT NULL,
  state       text NOT NULL,
  level       text NOT NULL,
  overdue     boolean NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (tenant_path, lines, state, level, overdue)
);
CREATE TABLE hazard_province_totals (
  tenant_path ltree NOT NULL,
  lines       text[] NOT NULL,
  grade       text NOT NULL,
  state       text NOT NULL,
  overdue     boolean NOT NULL,
  listed      boolean NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (tenant_path, lines, grade, state, overdue, listed)
);

-- The triggers of migration 014 keep both: what a statement added to or
-- took from each tenant's totals, added to its province's too, in one
-- statement (a trigger on the tenants' totals, tried first, cost a
-- projection 13–25 % more, this 1–7 %: BENCHMARKS.md).
CREATE OR REPLACE FUNCTION duban_assignment_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (SELECT tenant, tenant_path, lines, state, level, overdue, count(*) AS n FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6),
    t AS (INSERT INTO assignment_totals AS t SELECT * FROM d ORDER BY 1, 3, 4, 5, 6
          ON CONFLICT (tenant, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n)
    INSERT INTO assignment_province_totals AS p SELECT subpath(tenant_path, 0, 2), lines, state, level, overdue, sum(n)
    FROM d WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_path, lines, state, level, overdue) DO UPDATE SET n = p.n + EXCLUDED.n;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH d AS (SELECT tenant, tenant_path, lines, state, level, overdue, sum(k) AS n
               FROM (SELECT tenant, tenant_path, lines, state, level, overdue, 1 AS k FROM new_rows
                     UNION ALL SELECT tenant, tenant_path, lines, state, level, overdue, -1 FROM old_rows) x
               GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(k) <> 0),
    t AS (INSERT INTO assignment_totals AS t SELECT * FROM d ORDER BY 1, 3, 4, 5, 6
          ON CONFLICT (tenant, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n)
    INSERT INTO assignment_province_totals AS p SELECT subpath(tenant_path, 0, 2), lines, state, level, overdue, sum(n)
    FROM d WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_path, lines, state, level, overdue) DO UPDATE SET n = p.n + EXCLUDED.n;
  ELSE
    WITH d AS (SELECT tenant, tenant_path, lines, state, level, overdue, -count(*) AS n FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6),
    t AS (INSERT INTO assignment_totals AS t SELECT * FROM d ORDER BY 1, 3, 4, 5, 6
          ON CONFLICT (tenant, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n)
    INSERT INTO assignment_province_totals AS p SELECT subpath(tenant_path, 0, 2), lines, state, level, overdue, sum(n)
    FROM d WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_path, lines, state, level, overdue) DO UPDATE SET n = p.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION duban_hazard_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (SELECT tenant, tenant_path, lines, grade, state, overdue, listed, count(*) AS n FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7),
    t AS (INSERT INTO hazard_totals AS t SELECT * FROM d ORDER BY 1, 3, 4, 5, 6, 7
          ON CONFLICT (tenant, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n)
    INSERT INTO hazard_province_totals AS p SELECT subpath(tenant_path, 0, 2), lines, grade, state, overdue, listed, sum(n)
    FROM d WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_path, lines, grade, state, overdue, listed) DO UPDATE SET n = p.n + EXCLUDED.n;
  ELSIF TG_OP = 'UPDATE' THEN
    WITH d AS (SELECT tenant, tenant_path, lines, grade, state, overdue, listed, sum(k) AS n
               FROM (SELECT tenant, tenant_path, lines, grade, state, overdue, listed, 1 AS k FROM new_rows
                     UNION ALL SELECT tenant, tenant_path, lines, grade, state, overdue, listed, -1 FROM old_rows) x
               GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(k) <> 0),
    t AS (INSERT INTO hazard_totals AS t SELECT * FROM d ORDER BY 1, 3, 4, 5, 6, 7
          ON CONFLICT (tenant, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n)
    INSERT INTO hazard_province_totals AS p SELECT subpath(tenant_path, 0, 2), lines, grade, state, overdue, listed, sum(n)
    FROM d WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_path, lines, grade, state, overdue, listed) DO UPDATE SET n = p.n + EXCLUDED.n;
  ELSE
    WITH d AS (SELECT tenant, tenant_path, lines, grade, state, overdue, listed, -count(*) AS n FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6, 7),
    t AS (INSERT INTO hazard_totals AS t SELECT * FROM d ORDER BY 1, 3, 4, 5, 6, 7
          ON CONFLICT (tenant, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n)
    INSERT INTO hazard_province_totals AS p SELECT subpath(tenant_path, 0, 2), lines, grade, state, overdue, listed, sum(n)
    FROM d WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_path, lines, grade, state, overdue, listed) DO UPDATE SET n = p.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;

INSERT INTO assignment_province_totals SELECT subpath(tenant_path, 0, 2), lines, state, level, overdue, sum(n)
FROM assignment_totals WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5;
INSERT INTO hazard_province_totals SELECT subpath(tenant_path, 0, 2), lines, grade, state, overdue, listed, sum(n)
FROM hazard_totals WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5, 6;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['assignment_province_totals', 'hazard_province_totals'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY scope ON %I USING (%s)', t, duban_rls('sees', 'tenant_path'));
    EXECUTE format('GRANT SELECT ON %I TO duban_app', t);
  END LOOP;
END $$;
