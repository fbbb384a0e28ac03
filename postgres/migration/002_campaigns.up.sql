-- Campaign engine read model. Temporal owns the lifecycle; these tables are
-- written by idempotent, versioned projection activities (assignments) and by
-- the API for what it owns (campaign launch records, idempotency, calendar).

-- covers: rows of campaigns visible to a scope — inside it, or covering it.
CREATE FUNCTION duban_covers(p ltree) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p <@ duban_scope() OR p @> duban_scope()
$$;

CREATE TABLE campaigns (
  id          text PRIMARY KEY,
  template    text NOT NULL,
  title       text NOT NULL,
  scope       text NOT NULL REFERENCES tenants (code),
  scope_path  ltree NOT NULL,
  levels      text[] NOT NULL,
  phases      jsonb NOT NULL,
  targets     text[] NOT NULL DEFAULT '{}',
  status      text NOT NULL CHECK (status IN ('running', 'completed', 'cancelled')),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  ended_at    timestamptz,
  end_reason  text NOT NULL DEFAULT '',
  version     bigint NOT NULL DEFAULT 1
);
CREATE INDEX campaigns_scope_path ON campaigns USING gist (scope_path);

CREATE TABLE assignments (
  id               text PRIMARY KEY,
  campaign_id      text NOT NULL REFERENCES campaigns (id),
  tenant           text NOT NULL REFERENCES tenants (code),
  tenant_path      ltree NOT NULL,
  level            text NOT NULL,
  phase            text NOT NULL,
  title            text NOT NULL,
  reviewer_tenant  text NOT NULL REFERENCES tenants (code),
  signer_tenant    text NOT NULL REFERENCES tenants (code),
  parent_id        text,
  state            text NOT NULL,
  due_at           timestamptz NOT NULL,
  overdue          boolean NOT NULL DEFAULT false,
  escalation_level int NOT NULL DEFAULT 0,
  draft            jsonb,
  report           jsonb,
  comment          text NOT NULL DEFAULT '',
  submitted_at     timestamptz,
  first_submitted_at timestamptz,
  approved_at      timestamptz,
  signed_off_at    timestamptz,
  version          bigint NOT NULL,
  updated_at       timestamptz NOT NULL,
  UNIQUE (campaign_id, tenant)
);
CREATE INDEX assignments_tenant_path ON assignments USING gist (tenant_path);
CREATE INDEX assignments_campaign_state ON assignments (campaign_id, state);
CREATE INDEX assignments_due ON assignments (due_at);

CREATE TABLE assignment_events (
  assignment_id text NOT NULL REFERENCES assignments (id),
  version       bigint NOT NULL,
  tenant_path   ltree NOT NULL,
  at            timestamptz NOT NULL,
  actor         text NOT NULL,
  action        text NOT NULL,
  from_state    text NOT NULL,
  to_state      text NOT NULL,
  comment       text NOT NULL DEFAULT '',
  details       jsonb,
  PRIMARY KEY (assignment_id, version)
);

CREATE TABLE notifications (
  id            bigserial PRIMARY KEY,
  dedupe_key    text NOT NULL UNIQUE,
  tenant        text NOT NULL REFERENCES tenants (code),
  tenant_path   ltree NOT NULL,
  campaign_id   text,
  assignment_id text,
  kind          text NOT NULL,
  title_zh      text NOT NULL,
  title_en      text NOT NULL,
  body          jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_tenant ON notifications (tenant, id);

CREATE TABLE notification_reads (
  notification_id bigint NOT NULL REFERENCES notifications (id),
  login           text NOT NULL,
  tenant_path     ltree NOT NULL,
  read_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (notification_id, login)
);

CREATE TABLE webhooks (
  id          bigserial PRIMARY KEY,
  tenant      text NOT NULL REFERENCES tenants (code),
  tenant_path ltree NOT NULL,
  url         text NOT NULL,
  secret      text NOT NULL,
  format      text NOT NULL CHECK (format IN ('json', 'dingtalk', 'wecom')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  webhook_id      bigint NOT NULL REFERENCES webhooks (id),
  notification_id bigint NOT NULL REFERENCES notifications (id),
  tenant_path     ltree NOT NULL,
  status          int NOT NULL,
  attempts        int NOT NULL DEFAULT 1,
  delivered_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (webhook_id, notification_id)
);

CREATE TABLE summons (
  assignment_id text NOT NULL REFERENCES assignments (id),
  tenant_path   ltree NOT NULL,
  at            timestamptz NOT NULL,
  attendees     text[] NOT NULL,
  PRIMARY KEY (assignment_id)
);

-- Working-day overrides (new years' notices, local adjustments).
CREATE TABLE calendar_days (
  day        date PRIMARY KEY,
  workday    boolean NOT NULL,
  note       text NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idempotency_keys (
  login        text NOT NULL,
  key          text NOT NULL,
  operation    text NOT NULL,
  request_hash text NOT NULL,
  status       int NOT NULL,
  response     jsonb NOT NULL,
  tenant_path  ltree NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (login, key)
);

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON campaigns USING (duban_covers(scope_path)) WITH CHECK (scope_path <@ duban_scope());
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['assignments', 'assignment_events', 'notifications', 'notification_reads',
                           'webhooks', 'webhook_deliveries', 'summons', 'idempotency_keys'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY scope ON %I USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON campaigns, assignments, notifications, webhooks, summons, idempotency_keys TO duban_app;
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries, notification_reads TO duban_app;
GRANT SELECT, INSERT ON assignment_events TO duban_app;
GRANT DELETE ON idempotency_keys, webhooks TO duban_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_days TO duban_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO duban_app;
GRANT EXECUTE ON FUNCTION duban_covers(ltree) TO duban_app;
