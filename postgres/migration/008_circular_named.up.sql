-- A circular reaches the tenants it names (通报表扬, 通报批评): they may read
-- it, in its lines, as well as the issuer's subtree.
ALTER TABLE circulars ADD COLUMN named text[] NOT NULL DEFAULT '{}';
UPDATE circulars SET named = ARRAY(SELECT jsonb_array_elements_text(content->'best') UNION SELECT jsonb_array_elements_text(content->'laggards'));
CREATE INDEX circulars_named ON circulars USING gin (named);

DROP POLICY scope ON circulars;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY scope ON circulars USING ((%s) OR EXISTS (SELECT 1 FROM tenants t, unnest(lines) l '
                 'WHERE t.code = ANY (named) AND (text2ltree(l) || t.path) <@ (SELECT duban_scope()))) WITH CHECK (%s)',
                 duban_rls('sees', 'tenant_path'), duban_rls('sees', 'tenant_path'));
END $$;
