package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// ProjectAccident writes an accident snapshot if it is newer than the stored
// one, records the step and audits it, in one transaction within scope.
func (db *DB) ProjectAccident(ctx context.Context, scope []string, p duban.AccidentProjection) error {
	a := p.Accident
	doc, _ := json.Marshal(a)
	details, _ := json.Marshal(p.Details)
	return db.project(ctx, scope, projection{what: fmt.Sprintf("accident %s v%d", a.ID, a.Version),
		snapshot: q("upsert_accident"), snapArgs: []any{a.ID, a.Tenant, a.OccurredAt, a.ReportedAt, a.Category, string(a.Grade), string(a.RequiredLevel),
			a.Deaths, a.SeriousInjuries, a.DirectLossCNY, a.Holder, a.Complete, a.Late, doc, a.Version, a.UpdatedAt},
		event:     q("insert_accident_event"),
		eventArgs: []any{a.ID, a.Version, a.Tenant, a.UpdatedAt, p.Actor, p.Action, nullJSON(p.Details, details)},
		audit: Audit{Tenant: a.Tenant, Action: "accident." + p.Action, Target: "accident/" + a.ID, Actor: p.Actor, RequestID: p.RequestID,
			Summary: map[string]any{"version": a.Version, "grade": a.Grade, "holder": a.Holder, "details": p.Details}},
	})
}

var scanAccident = scanDoc(func(a *duban.Accident, path string) { a.TenantPath = path })

// GetAccident returns an accident within scope.
func (db *DB) GetAccident(ctx context.Context, scope []string, id string) (*duban.Accident, error) {
	a, _, err := one(ctx, db, scope, "accident", q("get_accident"), id, scanAccident, "")
	return a, err
}

// ListAccidents returns accidents within scope ordered by id, and the total.
func (db *DB) ListAccidents(ctx context.Context, scope []string, f duban.AccidentFilter) ([]duban.Accident, int, error) {
	return page(ctx, db, scope, q("count_accidents"), q("list_accidents"),
		[]any{f.Within, f.Grade, f.Late, f.Complete, f.From, f.To}, f.After, f.Limit, scanAccident)
}

// AccidentTotals sums accidents of the subtree at path that occurred in [from, to).
func (db *DB) AccidentTotals(ctx context.Context, scope []string, path string, from, to time.Time) (duban.AccidentTotals, error) {
	t := duban.AccidentTotals{ByGrade: map[string]int{}}
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("accident_totals"), path, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g string
			var n, d, s int
			var l int64
			if err := rows.Scan(&g, &n, &d, &s, &l); err != nil {
				return err
			}
			t.ByGrade[g] = n
			t.Count += n
			t.Deaths += d
			t.SeriousInjuries += s
			t.DirectLossCNY += l
		}
		return rows.Err()
	})
	return t, err
}
