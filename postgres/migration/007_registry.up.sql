-- The registry (四库): enterprises (with fireworks outlets and food
-- businesses as kinds of the same shape), personnel, projects and their
-- dangerous works (危大工程) with the four gates. Each record is registered
-- at a tenant in one or more department lines and scoped like work:
-- row-level security by tenant path and line. Writes are versioned
-- (optimistic: version must match) and every change is an event.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- duban_like: a substring pattern for ILIKE matching s literally (the
-- trigram indexes serve it).
CREATE FUNCTION duban_like(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '%' || replace(replace(replace(s, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;
GRANT EXECUTE ON FUNCTION duban_like(text) TO duban_app;

-- The searchable fields are columns; the record as the API shows it is
-- doc. A write changes the row only when doc changes (imports repeat).
CREATE TABLE enterprises (
  credit_code      text PRIMARY KEY CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
  tenant           text NOT NULL REFERENCES tenants (code),
  tenant_path      ltree NOT NULL,
  lines            text[] NOT NULL CHECK (cardinality(lines) > 0),
  name             text NOT NULL,
  kind             text NOT NULL,
  gc_grade         smallint, -- best general-contracting (施工总承包) grade: 0 特级, 1 一级, 2 二级, 3 三级
  status           text NOT NULL,
  address_mismatch boolean NOT NULL,
  dual_prevention  text NOT NULL DEFAULT 'none' CHECK (dual_prevention IN ('none', 'risk_graded', 'investigating', 'verified')),
  dp_verified_at   timestamptz,
  dp_verified_by   text NOT NULL DEFAULT '',
  doc              jsonb NOT NULL,
  version          bigint NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  updated_by       text NOT NULL
);
CREATE INDEX enterprises_path ON enterprises USING gist (tenant_path);
CREATE INDEX enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops);

CREATE TABLE personnel (
  id            text PRIMARY KEY,
  tenant        text NOT NULL REFERENCES tenants (code),
  tenant_path   ltree NOT NULL,
  lines         text[] NOT NULL CHECK (cardinality(lines) > 0),
  name          text NOT NULL,
  role          text NOT NULL,
  employer      text REFERENCES enterprises (credit_code),
  -- the ID number: a keyed hash for matching (HMAC-SHA256) and the number
  -- sealed (AES-256-GCM) for the few who may read it; doc holds it masked
  id_hash       text NOT NULL UNIQUE,
  id_sealed     bytea NOT NULL,
  phone_sealed  bytea,
  doc           jsonb NOT NULL,
  version       bigint NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  updated_by    text NOT NULL
);
CREATE INDEX personnel_path ON personnel USING gist (tenant_path);
CREATE INDEX personnel_name_trgm ON personnel USING gin (name gin_trgm_ops);
CREATE INDEX personnel_employer ON personnel (employer);

CREATE TABLE projects (
  code              text PRIMARY KEY,
  tenant            text NOT NULL REFERENCES tenants (code),
  tenant_path       ltree NOT NULL,
  lines             text[] NOT NULL CHECK (cardinality(lines) > 0),
  name              text NOT NULL,
  contractor        text REFERENCES enterprises (credit_code),
  contract_amount   bigint NOT NULL CHECK (contract_amount >= 0), -- CNY (元)
  status            text NOT NULL,
  dual_prevention   text NOT NULL DEFAULT 'none' CHECK (dual_prevention IN ('none', 'risk_graded', 'investigating', 'verified')),
  dp_verified_at    timestamptz,
  dp_verified_by    text NOT NULL DEFAULT '',
  doc               jsonb NOT NULL,
  version           bigint NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  updated_by        text NOT NULL
);
CREATE INDEX projects_path ON projects USING gist (tenant_path);
CREATE INDEX projects_name_trgm ON projects USING gin (name gin_trgm_ops);
CREATE INDEX projects_contractor ON projects (contractor);

-- 危大工程: written by its workflow (the four gates in order).
CREATE TABLE dangerous_works (
  id            text PRIMARY KEY,
  project       text NOT NULL REFERENCES projects (code),
  tenant        text NOT NULL REFERENCES tenants (code),
  tenant_path   ltree NOT NULL,
  lines         text[] NOT NULL CHECK (cardinality(lines) > 0),
  category      text NOT NULL,
  over_scale    boolean NOT NULL,
  gates_passed  int NOT NULL CHECK (gates_passed BETWEEN 0 AND 4),
  next_due      timestamptz,
  overdue       boolean NOT NULL DEFAULT false,
  escalation_level int NOT NULL DEFAULT 0,
  doc           jsonb NOT NULL,
  version       bigint NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX dangerous_works_path ON dangerous_works USING gist (tenant_path);
CREATE INDEX dangerous_works_project ON dangerous_works (project);

CREATE TABLE registry_events (
  kind        text NOT NULL,
  key         text NOT NULL,
  version     bigint NOT NULL,
  tenant_path ltree NOT NULL,
  lines       text[] NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  details     jsonb,
  PRIMARY KEY (kind, key, version)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['enterprises', 'personnel', 'projects', 'dangerous_works', 'registry_events'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY scope ON %I USING (%s) WITH CHECK (%s)', t, duban_rls('sees', 'tenant_path'), duban_rls('sees', 'tenant_path'));
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON enterprises, personnel, projects, dangerous_works TO duban_app;
GRANT SELECT, INSERT ON registry_events TO duban_app;

-- Hazards and accidents may name the enterprise and project they concern.
ALTER TABLE hazards ADD COLUMN enterprise text GENERATED ALWAYS AS (nullif(doc->>'enterprise', '')) STORED;
ALTER TABLE hazards ADD COLUMN project text GENERATED ALWAYS AS (nullif(doc->>'project', '')) STORED;
CREATE INDEX hazards_enterprise ON hazards (enterprise) WHERE enterprise IS NOT NULL;
CREATE INDEX hazards_project ON hazards (project) WHERE project IS NOT NULL;

-- Notices about a dangerous work are in its lines.
CREATE OR REPLACE FUNCTION duban_notification_lines() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NEW.campaign_id IS NOT NULL THEN
    NEW.lines := coalesce((SELECT lines FROM campaigns WHERE id = NEW.campaign_id), NEW.lines);
  ELSIF NEW.body ? 'hazard' THEN
    NEW.lines := coalesce((SELECT lines FROM hazards WHERE id = NEW.body->>'hazard'), NEW.lines);
  ELSIF NEW.body ? 'accident' THEN
    NEW.lines := coalesce((SELECT lines FROM accidents WHERE id = NEW.body->>'accident'), NEW.lines);
  ELSIF NEW.body ? 'dangerous_work' THEN
    NEW.lines := coalesce((SELECT lines FROM dangerous_works WHERE id = NEW.body->>'dangerous_work'), NEW.lines);
  END IF;
  RETURN NEW;
END $$;
