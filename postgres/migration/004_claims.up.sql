-- Idempotency-Keys are claimed before any side effect: a row with status 0
-- is a claim in flight (its answer not yet known); claimed_at lets a claim
-- left by a crashed instance be taken over.
ALTER TABLE idempotency_keys ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE idempotency_keys ALTER COLUMN response DROP NOT NULL;

-- Calendar overrides wake every worker's cached calendar (LISTEN duban_calendar),
-- so schedules read the overrides once per change, not once per node.
CREATE FUNCTION duban_notify_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('duban_calendar', TG_OP);
  RETURN NULL;
END $$;
CREATE TRIGGER calendar_days_notify AFTER INSERT OR UPDATE OR DELETE ON calendar_days
  FOR EACH STATEMENT EXECUTE FUNCTION duban_notify_calendar();

-- A login may not look like another (nati0n-admin beside nation-admin): the
-- skeleton folds the usual confusables, and two logins may not share one.
ALTER TABLE users ADD COLUMN skeleton text GENERATED ALWAYS AS
  (replace(replace(translate(login, '01i5._', 'olls--'), 'rn', 'm'), 'vv', 'w')) STORED;
CREATE UNIQUE INDEX users_skeleton ON users (skeleton);
