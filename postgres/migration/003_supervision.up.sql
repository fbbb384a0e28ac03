-- The seed's mechanisms beyond the generic engine: campaign options and
-- periodic list updates, the three lists, hazards to closure, accident
-- reports against the clock, and circulars. Workflows own hazard and
-- accident lifecycles; these tables are their versioned projections.

ALTER TABLE campaigns ADD COLUMN options jsonb NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN parent_campaign text REFERENCES campaigns (id);
ALTER TABLE campaigns ADD COLUMN period text NOT NULL DEFAULT '';
CREATE INDEX campaigns_parent ON campaigns (parent_campaign) WHERE parent_campaign IS NOT NULL;

-- 三个清单: problems & hazards, institutional measures, key tasks.
CREATE TABLE list_items (
  campaign_id text NOT NULL REFERENCES campaigns (id),
  tenant      text NOT NULL REFERENCES tenants (code),
  key         text NOT NULL,
  tenant_path ltree NOT NULL,
  list        text NOT NULL CHECK (list IN ('problems', 'measures', 'tasks')),
  title       text NOT NULL,
  owner       text NOT NULL,
  due_on      date NOT NULL,
  status      text NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
  note        text NOT NULL DEFAULT '',
  version     bigint NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, tenant, key)
);
CREATE INDEX list_items_path ON list_items USING gist (tenant_path);

CREATE TABLE list_item_events (
  campaign_id text NOT NULL,
  tenant      text NOT NULL,
  key         text NOT NULL,
  version     bigint NOT NULL,
  tenant_path ltree NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  item        jsonb NOT NULL,
  PRIMARY KEY (campaign_id, tenant, key, version),
  FOREIGN KEY (campaign_id, tenant, key) REFERENCES list_items (campaign_id, tenant, key)
);

-- 隐患: a hazard from report to closure (销号).
CREATE TABLE hazards (
  id               text PRIMARY KEY,
  tenant           text NOT NULL REFERENCES tenants (code),
  tenant_path      ltree NOT NULL,
  campaign_id      text REFERENCES campaigns (id),
  grade            text NOT NULL CHECK (grade IN ('general', 'major')),
  state            text NOT NULL CHECK (state IN ('open', 'rectified', 'closed')),
  listed           boolean NOT NULL DEFAULT false,
  overdue          boolean NOT NULL DEFAULT false,
  escalation_level int NOT NULL DEFAULT 0,
  deadline         timestamptz NOT NULL,
  reinspect_due    timestamptz,
  reported_by      text NOT NULL,
  reported_at      timestamptz NOT NULL,
  closed_at        timestamptz,
  doc              jsonb NOT NULL,
  version          bigint NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX hazards_path ON hazards USING gist (tenant_path);
CREATE INDEX hazards_campaign ON hazards (campaign_id) WHERE campaign_id IS NOT NULL;

CREATE TABLE hazard_events (
  hazard_id   text NOT NULL REFERENCES hazards (id),
  version     bigint NOT NULL,
  tenant_path ltree NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  from_state  text NOT NULL,
  to_state    text NOT NULL,
  comment     text NOT NULL DEFAULT '',
  details     jsonb,
  PRIMARY KEY (hazard_id, version)
);

-- 事故: an accident report and its chain up the tree.
CREATE TABLE accidents (
  id              text PRIMARY KEY,
  tenant          text NOT NULL REFERENCES tenants (code),
  tenant_path     ltree NOT NULL,
  occurred_at     timestamptz NOT NULL,
  reported_at     timestamptz NOT NULL,
  category        text NOT NULL,
  grade           text NOT NULL,
  required_level  text NOT NULL,
  deaths          int NOT NULL,
  serious_injuries int NOT NULL,
  direct_loss_cny bigint NOT NULL,
  holder          text NOT NULL,
  complete        boolean NOT NULL,
  late            boolean NOT NULL,
  doc             jsonb NOT NULL,
  version         bigint NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX accidents_path ON accidents USING gist (tenant_path);
CREATE INDEX accidents_occurred ON accidents (occurred_at);

CREATE TABLE accident_events (
  accident_id text NOT NULL REFERENCES accidents (id),
  version     bigint NOT NULL,
  tenant_path ltree NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  details     jsonb,
  PRIMARY KEY (accident_id, version)
);

-- 通报: immutable once issued.
CREATE TABLE circulars (
  id          text PRIMARY KEY,
  campaign_id text NOT NULL REFERENCES campaigns (id),
  tenant      text NOT NULL REFERENCES tenants (code),
  tenant_path ltree NOT NULL,
  period_from date NOT NULL,
  period_to   date NOT NULL,
  content     jsonb NOT NULL,
  digest      text NOT NULL,
  signed_by   text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX circulars_campaign ON circulars (campaign_id);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['list_items', 'list_item_events', 'hazards', 'hazard_events', 'accidents', 'accident_events', 'circulars'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY scope ON %I USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON list_items, hazards, accidents TO duban_app;
GRANT SELECT, INSERT ON list_item_events, hazard_events, accident_events, circulars TO duban_app;
