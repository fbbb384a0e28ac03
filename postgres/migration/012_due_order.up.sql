-- Inboxes and review queues are read in due-time order with a keyset
-- cursor (due_at, id): one index each, so a page costs the same in year three.
CREATE INDEX assignments_tenant_due ON assignments (tenant, due_at, id);
CREATE INDEX assignments_state_due ON assignments (state, due_at, id);
