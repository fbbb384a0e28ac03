-- name: set_calendar_day
INSERT INTO calendar_days (day, workday, note, updated_by) VALUES ($1::date, $2, $3, $4)
ON CONFLICT (day) DO UPDATE SET workday = EXCLUDED.workday, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = now();

-- name: list_calendar_days
SELECT to_char(day, 'YYYY-MM-DD'), workday, note, updated_by, updated_at FROM calendar_days
WHERE day BETWEEN $1::date AND $2::date ORDER BY day;
