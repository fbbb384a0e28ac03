-- name: in_scope
SELECT set_config('duban.scope', $1, true);

-- name: plan_kept
-- The next statements of a pipeline begun by in_scope are planned once per connection (a statement with
-- one plan for every value among ones that are not, for the rest of the transaction; plan_each ends it).
SELECT set_config('plan_cache_mode', 'force_generic_plan', true);

-- name: plan_each
-- The next statements are planned for their values, as Duban's connections are (postgres.Open).
SELECT set_config('plan_cache_mode', 'force_custom_plan', true);

-- name: in_scope_planned
-- in_scope for statements whose one plan fits every value (an inbox: each tenant's page from its index,
-- merged): PostgreSQL plans them once per connection and keeps the plan (plan_cache_mode, for the
-- transaction only) instead of planning them, row-level security's expressions and all, each time.
-- Forced, not auto: the generic plan's guess at an array parameter's length (ten tenants) would make it
-- look dearer than a plan made for the one or two tenants an inbox has, though it is the same plan.
-- No bitmap scans: for a tenant of average size (a thirtieth of a county's in Henan) a bitmap of all
-- its rows then a sort looks cheap, and would read all of a county's years for a page; the ordered
-- index scan stops at the page.
SELECT set_config('duban.scope', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true),
  set_config('enable_bitmapscan', 'off', true);
