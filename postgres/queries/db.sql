-- name: in_scope
SELECT set_config('duban.scope', $1, true);
