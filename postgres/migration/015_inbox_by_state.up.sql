-- An inbox by state (#16): a county's open work is a handful of rows beside
-- years of signed-off ones; with (tenant, due_at, id) alone, a page of its
-- assigned or returned tasks walks every older task of the county. This
-- index gives each state of a tenant's assignments in due order.
CREATE INDEX assignments_tenant_state_due ON assignments (tenant, state, due_at, id);
