-- Department lines (条线). A tenant is a place; its work belongs to a line
-- within it. Line-scoped rows carry `lines` (a joint campaign names
-- several); the caller's scope (duban.scope) holds, besides the plain
-- supervision paths that line-less rows (users, notifications, the audit
-- log) are matched by, one line path per line a binding reaches: the line
-- label before the tenant path (construction.000000.41.4101), so a line's
-- subtree is again a path prefix. Existing work migrates to the line its
-- template names: the seed's campaigns are construction's, fireworks is
-- emergency's.

-- The row checks are expressions, not function calls: the scope is
-- written (SELECT duban_scope()), which PostgreSQL evaluates once per
-- statement (a bare duban_scope() would parse the setting again for every
-- row), and the five possible lines are unrolled, so that nothing per row
-- calls a function and {P} <@ scope can use the tenant_path index. A
-- function's body may not repeat such an argument and still be inlined:
-- duban_rls builds the expression text for a policy instead.
CREATE FUNCTION duban_rls(kind text, p text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT replace(replace(CASE kind
    -- sees: the row's tenant is in scope, and so is it in one of the row's
    -- lines (rows without lines: the tenant alone)
    WHEN 'sees' THEN '{P} <@ {S} AND (cardinality(lines) = 0 OR ((text2ltree(lines[1]) || {P}) <@ {S}) OR (cardinality(lines) > 1 AND (((text2ltree(lines[2]) || {P}) <@ {S}) OR (cardinality(lines) > 2 AND (((text2ltree(lines[3]) || {P}) <@ {S}) OR (cardinality(lines) > 3 AND (((text2ltree(lines[4]) || {P}) <@ {S}) OR (cardinality(lines) > 4 AND (((text2ltree(lines[5]) || {P}) <@ {S}))))))))))'
    -- covers: campaigns are visible inside their scope and to the tenants
    -- they cover, in one of their lines
    WHEN 'covers' THEN '({P} <@ {S} OR {P} @> {S}) AND cardinality(lines) > 0 AND (((text2ltree(lines[1]) || {P}) <@ {S} OR (text2ltree(lines[1]) || {P}) @> {S}) OR (cardinality(lines) > 1 AND (((text2ltree(lines[2]) || {P}) <@ {S} OR (text2ltree(lines[2]) || {P}) @> {S}) OR (cardinality(lines) > 2 AND (((text2ltree(lines[3]) || {P}) <@ {S} OR (text2ltree(lines[3]) || {P}) @> {S}) OR (cardinality(lines) > 3 AND (((text2ltree(lines[4]) || {P}) <@ {S} OR (text2ltree(lines[4]) || {P}) @> {S}) OR (cardinality(lines) > 4 AND (((text2ltree(lines[5]) || {P}) <@ {S} OR (text2ltree(lines[5]) || {P}) @> {S}))))))))))'
    -- holds: written only by one who holds every line of the row
    WHEN 'holds' THEN '{P} <@ {S} AND cardinality(lines) > 0 AND ((text2ltree(lines[1]) || {P}) <@ {S}) AND (cardinality(lines) <= 1 OR (((text2ltree(lines[2]) || {P}) <@ {S}) AND (cardinality(lines) <= 2 OR (((text2ltree(lines[3]) || {P}) <@ {S}) AND (cardinality(lines) <= 3 OR (((text2ltree(lines[4]) || {P}) <@ {S}) AND (cardinality(lines) <= 4 OR (((text2ltree(lines[5]) || {P}) <@ {S})))))))))'
  END, '{P}', p), '{S}', '(SELECT duban_scope())')
$f$;

-- Role bindings name one line, or '' for every line.
ALTER TABLE role_bindings ADD COLUMN line text NOT NULL DEFAULT ''
  CHECK (line IN ('', 'construction', 'emergency', 'market', 'safety_office', 'food_office'));
ALTER TABLE role_bindings DROP CONSTRAINT role_bindings_login_role_tenant_key;
ALTER TABLE role_bindings ADD CONSTRAINT role_bindings_login_role_tenant_line_key UNIQUE (login, role, tenant, line);

-- Campaigns name their lines; their work inherits them.
ALTER TABLE campaigns ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
UPDATE campaigns SET lines = CASE template WHEN 'fireworks-holiday' THEN '{emergency}'::text[] ELSE '{construction}'::text[] END;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_lines CHECK (cardinality(lines) > 0);

-- A period campaign is in its parent's lines.
CREATE FUNCTION duban_campaign_lines() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF cardinality(NEW.lines) = 0 AND NEW.parent_campaign IS NOT NULL THEN
    NEW.lines := (SELECT lines FROM campaigns WHERE id = NEW.parent_campaign);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER campaigns_lines BEFORE INSERT ON campaigns FOR EACH ROW EXECUTE FUNCTION duban_campaign_lines();

-- Rows of a campaign take the campaign's lines.
CREATE FUNCTION duban_lines_of_campaign() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NEW.campaign_id IS NOT NULL THEN
    NEW.lines := coalesce((SELECT lines FROM campaigns WHERE id = NEW.campaign_id), NEW.lines);
  END IF;
  RETURN NEW;
END $$;

-- Hazards and accidents name their line in their document; a hazard of a
-- campaign is in the campaign's lines when it names none.
CREATE FUNCTION duban_lines_of_doc() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE l text := nullif(NEW.doc->>'line', '');
BEGIN
  IF l IS NOT NULL THEN
    NEW.lines := ARRAY[l];
  ELSIF TG_TABLE_NAME = 'hazards' THEN
    IF NEW.campaign_id IS NOT NULL THEN
      NEW.lines := coalesce((SELECT lines FROM campaigns WHERE id = NEW.campaign_id), NEW.lines);
    END IF;
  END IF;
  RETURN NEW;
END $$;

ALTER TABLE assignments ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE list_items ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE circulars ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE notifications ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE hazards ADD COLUMN lines text[] NOT NULL DEFAULT '{construction}';
ALTER TABLE accidents ADD COLUMN lines text[] NOT NULL DEFAULT '{emergency}';
UPDATE assignments a SET lines = c.lines FROM campaigns c WHERE c.id = a.campaign_id;
UPDATE list_items a SET lines = c.lines FROM campaigns c WHERE c.id = a.campaign_id;
UPDATE circulars a SET lines = c.lines FROM campaigns c WHERE c.id = a.campaign_id;
UPDATE notifications a SET lines = c.lines FROM campaigns c WHERE c.id = a.campaign_id;
UPDATE notifications a SET lines = h.lines FROM hazards h WHERE a.campaign_id IS NULL AND a.body->>'hazard' = h.id;
UPDATE notifications a SET lines = x.lines FROM accidents x WHERE a.campaign_id IS NULL AND a.body->>'accident' = x.id;
UPDATE hazards a SET lines = c.lines FROM campaigns c WHERE c.id = a.campaign_id;

CREATE TRIGGER assignments_lines BEFORE INSERT ON assignments FOR EACH ROW EXECUTE FUNCTION duban_lines_of_campaign();
CREATE TRIGGER list_items_lines BEFORE INSERT ON list_items FOR EACH ROW EXECUTE FUNCTION duban_lines_of_campaign();
CREATE TRIGGER circulars_lines BEFORE INSERT ON circulars FOR EACH ROW EXECUTE FUNCTION duban_lines_of_campaign();
-- A notice is in the lines of what it is about: a campaign's work, a hazard,
-- an accident (named in its body); others (system incidents) in none.
CREATE FUNCTION duban_notification_lines() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NEW.campaign_id IS NOT NULL THEN
    NEW.lines := coalesce((SELECT lines FROM campaigns WHERE id = NEW.campaign_id), NEW.lines);
  ELSIF NEW.body ? 'hazard' THEN
    NEW.lines := coalesce((SELECT lines FROM hazards WHERE id = NEW.body->>'hazard'), NEW.lines);
  ELSIF NEW.body ? 'accident' THEN
    NEW.lines := coalesce((SELECT lines FROM accidents WHERE id = NEW.body->>'accident'), NEW.lines);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER notifications_lines BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION duban_notification_lines();
CREATE TRIGGER hazards_lines BEFORE INSERT OR UPDATE ON hazards FOR EACH ROW EXECUTE FUNCTION duban_lines_of_doc();
CREATE TRIGGER accidents_lines BEFORE INSERT OR UPDATE ON accidents FOR EACH ROW EXECUTE FUNCTION duban_lines_of_doc();

-- Event tables and summonses: the lines of what they belong to.
ALTER TABLE assignment_events ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE hazard_events ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE accident_events ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE list_item_events ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
ALTER TABLE summons ADD COLUMN lines text[] NOT NULL DEFAULT '{}';
UPDATE assignment_events e SET lines = a.lines FROM assignments a WHERE a.id = e.assignment_id;
UPDATE hazard_events e SET lines = a.lines FROM hazards a WHERE a.id = e.hazard_id;
UPDATE accident_events e SET lines = a.lines FROM accidents a WHERE a.id = e.accident_id;
UPDATE list_item_events e SET lines = a.lines FROM campaigns a WHERE a.id = e.campaign_id;
UPDATE summons e SET lines = a.lines FROM assignments a WHERE a.id = e.assignment_id;

CREATE FUNCTION duban_lines_of_parent() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  CASE TG_TABLE_NAME
    WHEN 'assignment_events', 'summons' THEN NEW.lines := coalesce((SELECT lines FROM assignments WHERE id = NEW.assignment_id), NEW.lines);
    WHEN 'hazard_events' THEN NEW.lines := coalesce((SELECT lines FROM hazards WHERE id = NEW.hazard_id), NEW.lines);
    WHEN 'accident_events' THEN NEW.lines := coalesce((SELECT lines FROM accidents WHERE id = NEW.accident_id), NEW.lines);
    WHEN 'list_item_events' THEN NEW.lines := coalesce((SELECT lines FROM campaigns WHERE id = NEW.campaign_id), NEW.lines);
  END CASE;
  RETURN NEW;
END $$;
CREATE TRIGGER assignment_events_lines BEFORE INSERT ON assignment_events FOR EACH ROW EXECUTE FUNCTION duban_lines_of_parent();
CREATE TRIGGER summons_lines BEFORE INSERT ON summons FOR EACH ROW EXECUTE FUNCTION duban_lines_of_parent();
CREATE TRIGGER hazard_events_lines BEFORE INSERT ON hazard_events FOR EACH ROW EXECUTE FUNCTION duban_lines_of_parent();
CREATE TRIGGER accident_events_lines BEFORE INSERT ON accident_events FOR EACH ROW EXECUTE FUNCTION duban_lines_of_parent();
CREATE TRIGGER list_item_events_lines BEFORE INSERT ON list_item_events FOR EACH ROW EXECUTE FUNCTION duban_lines_of_parent();

-- The policies: line-scoped rows need their line in scope.
DROP POLICY scope ON campaigns;
DO $$
DECLARE t text;
BEGIN
  EXECUTE format('CREATE POLICY scope ON campaigns USING (%s) WITH CHECK (%s)', duban_rls('covers', 'scope_path'), duban_rls('holds', 'scope_path'));
  FOREACH t IN ARRAY ARRAY['assignments', 'assignment_events', 'list_items', 'list_item_events', 'circulars', 'notifications',
                           'summons', 'hazards', 'hazard_events', 'accidents', 'accident_events'] LOOP
    EXECUTE format('DROP POLICY scope ON %I', t);
    EXECUTE format('CREATE POLICY scope ON %I USING (%s) WITH CHECK (%s)', t, duban_rls('sees', 'tenant_path'), duban_rls('sees', 'tenant_path'));
  END LOOP;
END $$;
