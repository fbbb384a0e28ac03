package postgres

import (
	"context"
	"strconv"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// SetCalendarDay upserts an override (audited at the national root).
func (db *DB) SetCalendarDay(ctx context.Context, scope []string, d duban.CalendarDay) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, q("set_calendar_day"),
			d.Date, d.Workday, d.Note, d.UpdatedBy)
		if err != nil {
			return err
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: "000000", Action: "calendar.set", Target: "calendar/" + d.Date,
			Summary: map[string]any{"workday": d.Workday, "note": d.Note}})
		return err
	}))
}

// ListCalendarDays returns overrides between from and to (inclusive).
func (db *DB) ListCalendarDays(ctx context.Context, from, to string) ([]duban.CalendarDay, error) {
	rows, err := db.Pool.Query(ctx, q("list_calendar_days"), from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.CalendarDay, error) {
		var d duban.CalendarDay
		err := r.Scan(&d.Date, &d.Workday, &d.Note, &d.UpdatedBy, &d.UpdatedAt)
		return d, err
	})
}
