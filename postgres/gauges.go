package postgres

import (
	"context"
	"strconv"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// Gauges reads the business gauges a province watches, over the whole
// tree (system scope): open and finished work by state and escalation
// level, overdue hazards, late accident reports and failing webhooks, each
// per province.
func (db *DB) Gauges(ctx context.Context) ([]duban.Gauge, error) {
	var out []duban.Gauge
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("gauge_assignments"))
		if err != nil {
			return err
		}
		for rows.Next() {
			var province, state string
			var level int
			var n int64
			if err := rows.Scan(&province, &state, &level, &n); err != nil {
				return err
			}
			out = append(out, duban.Gauge{Name: "assignments", Help: "Assignments by province, state and escalation level (0 none … 4 约谈).",
				Labels: map[string]string{"province": province, "state": state, "escalation_level": strconv.Itoa(level)}, Value: float64(n)})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, g := range []struct{ sql, name, help string }{
			{q("gauge_hazards_overdue"), "hazards_overdue", "Hazards past their rectification deadline and not closed, by province."},
			{q("gauge_accidents_late"), "accident_reports_late", "Accident reports with a late step (迟报), by province."},
			{q("gauge_webhooks_failing"), "webhooks_failing", "Webhooks whose last delivery failed, by province."},
		} {
			rows, err := tx.Query(ctx, g.sql)
			if err != nil {
				return err
			}
			for rows.Next() {
				var province string
				var n int64
				if err := rows.Scan(&province, &n); err != nil {
					return err
				}
				out = append(out, duban.Gauge{Name: g.name, Help: g.help, Labels: map[string]string{"province": province}, Value: float64(n)})
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
