package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// ProjectAccident writes an accident snapshot if it is newer than the stored
// one, records the step and audits it, in one transaction within scope.
func (db *DB) ProjectAccident(ctx context.Context, scope []string, p duban.AccidentProjection) error {
	a := p.Accident
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		doc, _ := json.Marshal(a)
		_, err := tx.Exec(ctx, `INSERT INTO accidents (id, tenant, tenant_path, occurred_at, reported_at, category, grade, required_level,
				deaths, serious_injuries, direct_loss_cny, holder, complete, late, doc, version, updated_at)
			SELECT $1, $2, t.path, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 FROM tenants t WHERE t.code = $2
			ON CONFLICT (id) DO UPDATE SET grade = EXCLUDED.grade, required_level = EXCLUDED.required_level, deaths = EXCLUDED.deaths,
				serious_injuries = EXCLUDED.serious_injuries, direct_loss_cny = EXCLUDED.direct_loss_cny, holder = EXCLUDED.holder,
				complete = EXCLUDED.complete, late = EXCLUDED.late, doc = EXCLUDED.doc, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
			WHERE accidents.version < EXCLUDED.version`,
			a.ID, a.Tenant, a.OccurredAt, a.ReportedAt, a.Category, string(a.Grade), string(a.RequiredLevel), a.Deaths, a.SeriousInjuries,
			a.DirectLossCNY, a.Holder, a.Complete, a.Late, doc, a.Version, a.UpdatedAt)
		if err != nil {
			return fmt.Errorf("project accident %s v%d: %w", a.ID, a.Version, err)
		}
		details, _ := json.Marshal(p.Details)
		tag, err := tx.Exec(ctx, `INSERT INTO accident_events (accident_id, version, tenant_path, at, actor, action, details)
			SELECT $1, $2, path, $4, $5, $6, $7::jsonb FROM tenants WHERE code = $3
			ON CONFLICT (accident_id, version) DO NOTHING`,
			a.ID, a.Version, a.Tenant, a.UpdatedAt, p.Actor, p.Action, nullJSON(p.Details, details))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		actx := duban.NewContextWithRequestID(duban.NewContextWithPrincipal(ctx, &duban.Principal{Login: p.Actor}), p.RequestID)
		_, err = AppendAudit(actx, tx, Audit{Tenant: a.Tenant, Action: "accident." + p.Action, Target: "accident/" + a.ID,
			Summary: map[string]any{"version": a.Version, "grade": a.Grade, "holder": a.Holder, "details": p.Details}})
		return err
	}))
}

var scanAccident = scanDoc(func(a *duban.Accident, path string) { a.TenantPath = path })

// GetAccident returns an accident within scope.
func (db *DB) GetAccident(ctx context.Context, scope []string, id string) (*duban.Accident, error) {
	var a duban.Accident
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT doc, tenant_path::text FROM accidents WHERE id = $1`, id)
		if err != nil {
			return err
		}
		a, err = pgx.CollectExactlyOneRow(rows, scanAccident)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, duban.Errorf(duban.ENotFound, "accident %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// ListAccidents returns accidents within scope ordered by id, and the total.
func (db *DB) ListAccidents(ctx context.Context, scope []string, f duban.AccidentFilter) ([]duban.Accident, int, error) {
	var w filter
	if f.Within != "" {
		w.within(f.Within)
	}
	if f.Grade != "" {
		w.add("grade = ?", f.Grade)
	}
	if f.Late != nil {
		w.add("late = ?", *f.Late)
	}
	if f.Complete != nil {
		w.add("complete = ?", *f.Complete)
	}
	if f.From != nil {
		w.add("occurred_at >= ?", *f.From)
	}
	if f.To != nil {
		w.add("occurred_at < ?", *f.To)
	}
	return listPage(ctx, db, scope, "accidents", "doc, tenant_path::text", w, f.After, f.Limit,
		scanAccident)
}

// AccidentTotals sums accidents of the subtree at path that occurred in [from, to).
func (db *DB) AccidentTotals(ctx context.Context, scope []string, path string, from, to time.Time) (duban.AccidentTotals, error) {
	t := duban.AccidentTotals{ByGrade: map[string]int{}}
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT grade, count(*), coalesce(sum(deaths), 0), coalesce(sum(serious_injuries), 0), coalesce(sum(direct_loss_cny), 0)
			FROM accidents WHERE tenant_path <@ $1::text::ltree AND occurred_at >= $2 AND occurred_at < $3 GROUP BY grade`, path, from, to)
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
