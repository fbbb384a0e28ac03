-- Attachments: uploaded photos and documents. The bytes live in blob
-- storage under their SHA-256; a row ties them to the tenant whose work
-- they document, so row-level security scopes them like that work.
CREATE TABLE attachments (
  id           text PRIMARY KEY,
  tenant       text NOT NULL REFERENCES tenants (code),
  tenant_path  ltree NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size         bigint NOT NULL CHECK (size > 0),
  content_type text NOT NULL,
  filename     text NOT NULL,
  uploaded_by  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_path ON attachments USING gist (tenant_path);

ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON attachments USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope());
GRANT SELECT, INSERT ON attachments TO duban_app;
