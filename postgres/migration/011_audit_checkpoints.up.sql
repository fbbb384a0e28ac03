-- A verified checkpoint per audit chain (#16): routine verification re-hashes
-- the checkpoint event, requires its recorded hash, and walks only what was
-- added since; a full verification walks everything. Only a verification
-- that finds nothing broken moves a checkpoint, and never backwards.
CREATE TABLE audit_checkpoints (
  tenant      text PRIMARY KEY REFERENCES tenants (code),
  tenant_path ltree NOT NULL,
  seq         bigint NOT NULL CHECK (seq > 0),
  hash        text NOT NULL,
  verified_at timestamptz NOT NULL
);
ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON audit_checkpoints USING (tenant_path <@ duban_scope()) WITH CHECK (tenant_path <@ duban_scope());
GRANT SELECT, INSERT, UPDATE ON audit_checkpoints TO duban_app;
