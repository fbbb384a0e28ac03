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
-- The rows are kept from the tenants' totals by a trigger on them (what a
-- statement added to or took from a tenant's row, added to its province's).
-- Every write in a province adds to its row of the same line and filter
-- values, so such writes wait for each other's commit there (the tenants'
-- rows already make writers at one tenant wait); rows are taken in key
-- order, so they do not deadlock.
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

CREATE FUNCTION duban_assignment_province_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO assignment_province_totals AS t SELECT subpath(tenant_path, 0, 2), lines, state, level, overdue, sum(n)
    FROM new_rows WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_path, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSE
    INSERT INTO assignment_province_totals AS t SELECT subpath(nr.tenant_path, 0, 2), nr.lines, nr.state, nr.level, nr.overdue, sum(nr.n - o.n)
    FROM new_rows nr JOIN old_rows o USING (tenant, lines, state, level, overdue) WHERE nlevel(nr.tenant_path) >= 2
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(nr.n - o.n) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_path, lines, state, level, overdue) DO UPDATE SET n = t.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
-- an upsert of the tenants' totals fires both: the rows it inserted, those it updated
CREATE TRIGGER assignment_province_totals_insert AFTER INSERT ON assignment_totals REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_assignment_province_totals();
CREATE TRIGGER assignment_province_totals_update AFTER UPDATE ON assignment_totals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_assignment_province_totals();

CREATE FUNCTION duban_hazard_province_totals() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO hazard_province_totals AS t SELECT subpath(tenant_path, 0, 2), lines, grade, state, overdue, listed, sum(n)
    FROM new_rows WHERE nlevel(tenant_path) >= 2 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_path, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSE
    INSERT INTO hazard_province_totals AS t SELECT subpath(nr.tenant_path, 0, 2), nr.lines, nr.grade, nr.state, nr.overdue, nr.listed, sum(nr.n - o.n)
    FROM new_rows nr JOIN old_rows o USING (tenant, lines, grade, state, overdue, listed) WHERE nlevel(nr.tenant_path) >= 2
    GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(nr.n - o.n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (tenant_path, lines, grade, state, overdue, listed) DO UPDATE SET n = t.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER hazard_province_totals_insert AFTER INSERT ON hazard_totals REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_hazard_province_totals();
CREATE TRIGGER hazard_province_totals_update AFTER UPDATE ON hazard_totals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION duban_hazard_province_totals();

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
