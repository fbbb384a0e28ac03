-- Foundation: tenants (the national division tree), users, role bindings,
-- hash-chained audit events, and row-level security keyed on the caller's
-- subtree (duban.scope, an ltree[] set per transaction).
CREATE EXTENSION IF NOT EXISTS ltree;

DO $$ BEGIN
  CREATE ROLE duban_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- duban_scope returns the subtrees the current transaction may touch.
CREATE FUNCTION duban_scope() RETURNS ltree[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('duban.scope', true), ''), '{}')::ltree[]
$$;

CREATE TABLE tenants (
  code       text PRIMARY KEY,
  name       text NOT NULL,
  level      text NOT NULL CHECK (level IN ('nation', 'province', 'city', 'county')),
  parent     text REFERENCES tenants (code),
  supervisor text REFERENCES tenants (code),
  path       ltree NOT NULL UNIQUE
);
CREATE INDEX tenants_path_gist ON tenants USING gist (path);
CREATE INDEX tenants_parent ON tenants (parent);
CREATE INDEX tenants_supervisor ON tenants (supervisor);
CREATE INDEX tenants_name ON tenants (name text_pattern_ops);

CREATE TABLE users (
  login       text PRIMARY KEY,
  name        text NOT NULL,
  tenant      text NOT NULL REFERENCES tenants (code),
  tenant_path ltree NOT NULL,
  disabled    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL DEFAULT ''
);
CREATE INDEX users_tenant_path ON users USING gist (tenant_path);

CREATE TABLE role_bindings (
  id          bigserial PRIMARY KEY,
  login       text NOT NULL REFERENCES users (login) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('admin', 'planner', 'reviewer', 'staff', 'viewer')),
  tenant      text NOT NULL REFERENCES tenants (code),
  tenant_path ltree NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL DEFAULT '',
  UNIQUE (login, role, tenant)
);
CREATE INDEX role_bindings_tenant_path ON role_bindings USING gist (tenant_path);

CREATE TABLE audit_heads (
  tenant      text PRIMARY KEY REFERENCES tenants (code),
  tenant_path ltree NOT NULL,
  seq         bigint NOT NULL DEFAULT 0,
  hash        text NOT NULL DEFAULT ''
);

CREATE TABLE audit_events (
  id          bigserial PRIMARY KEY,
  tenant      text NOT NULL REFERENCES tenants (code),
  tenant_path ltree NOT NULL,
  seq         bigint NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  target      text NOT NULL,
  outcome     text NOT NULL,
  request_id  text NOT NULL,
  at          timestamptz NOT NULL,
  summary     jsonb NOT NULL,
  prev_hash   text NOT NULL,
  hash        text NOT NULL,
  UNIQUE (tenant, seq)
);
CREATE INDEX audit_events_tenant_path ON audit_events USING gist (tenant_path);

-- Policy changes wake every instance's casbin enforcer (LISTEN duban_policy).
CREATE FUNCTION duban_notify_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('duban_policy', TG_OP);
  RETURN NULL;
END $$;
CREATE TRIGGER role_bindings_notify AFTER INSERT OR UPDATE OR DELETE ON role_bindings
  FOR EACH STATEMENT EXECUTE FUNCTION duban_notify_policy();

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE role_bindings ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON users USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope());
CREATE POLICY scope ON role_bindings USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope());
CREATE POLICY scope ON audit_heads USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope());
CREATE POLICY scope ON audit_events USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope());

GRANT USAGE ON SCHEMA public TO duban_app;
GRANT SELECT ON tenants TO duban_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, role_bindings, audit_heads TO duban_app;
-- audit events are append-only for the application
GRANT SELECT, INSERT ON audit_events TO duban_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO duban_app;
GRANT EXECUTE ON FUNCTION duban_scope() TO duban_app;
