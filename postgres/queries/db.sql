-- name: in_scope
SELECT set_config('duban.scope', $1, true);

-- name: in_scope_planned
-- in_scope for a statement whose shape fits every value (one tenant's list: its plan is always the
-- (tenant, …) index): PostgreSQL may keep its plan on the connection (plan_cache_mode auto, for the
-- transaction only) instead of planning it, row-level security's expressions and all, each time.
SELECT set_config('duban.scope', $1, true), set_config('plan_cache_mode', 'auto', true);
