-- A return sets a rework due date; the assignment keeps the due date it had
-- (original_due) and gets it back when the rework is submitted, so the
-- on-time rate and later escalations count against the original deadline.
ALTER TABLE assignments ADD COLUMN original_due timestamptz;
