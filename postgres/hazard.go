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

// ProjectHazard writes a hazard snapshot if it is newer than the stored one,
// records the step and audits it, in one transaction within scope (the API
// reports within the caller's scope, the workflow in the system scope).
// Replaying a version changes nothing.
func (db *DB) ProjectHazard(ctx context.Context, scope []string, p duban.HazardProjection) error {
	h := p.Hazard
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		doc, _ := json.Marshal(h)
		var campaign any
		if h.Campaign != "" {
			campaign = h.Campaign
		}
		_, err := tx.Exec(ctx, `INSERT INTO hazards (id, tenant, tenant_path, campaign_id, grade, state, listed, overdue, escalation_level,
				deadline, reinspect_due, reported_by, reported_at, closed_at, doc, version, updated_at)
			SELECT $1, $2, t.path, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 FROM tenants t WHERE t.code = $2
			ON CONFLICT (id) DO UPDATE SET grade = EXCLUDED.grade, state = EXCLUDED.state, listed = EXCLUDED.listed, overdue = EXCLUDED.overdue,
				escalation_level = EXCLUDED.escalation_level, deadline = EXCLUDED.deadline, reinspect_due = EXCLUDED.reinspect_due,
				closed_at = EXCLUDED.closed_at, doc = EXCLUDED.doc, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
			WHERE hazards.version < EXCLUDED.version`,
			h.ID, h.Tenant, campaign, string(h.Grade), string(h.State), h.Listed, h.Overdue || h.ReinspectOverdue, h.EscalationLevel,
			h.Deadline, h.ReinspectDue, h.ReportedBy, h.ReportedAt, h.ClosedAt, doc, h.Version, h.UpdatedAt)
		if err != nil {
			return fmt.Errorf("project hazard %s v%d: %w", h.ID, h.Version, err)
		}
		e := p.Event
		details, _ := json.Marshal(e.Details)
		tag, err := tx.Exec(ctx, `INSERT INTO hazard_events (hazard_id, version, tenant_path, at, actor, action, from_state, to_state, comment, details)
			SELECT $1, $2, path, $4, $5, $6, $7, $8, $9, $10::jsonb FROM tenants WHERE code = $3
			ON CONFLICT (hazard_id, version) DO NOTHING`,
			h.ID, h.Version, h.Tenant, e.At, e.Actor, e.Action, e.From, e.To, e.Comment, nullJSON(e.Details, details))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		actx := duban.NewContextWithRequestID(duban.NewContextWithPrincipal(ctx, &duban.Principal{Login: e.Actor}), p.RequestID)
		_, err = AppendAudit(actx, tx, Audit{Tenant: h.Tenant, Action: "hazard." + e.Action, Target: "hazard/" + h.ID,
			Summary: map[string]any{"from": e.From, "to": e.To, "version": h.Version, "grade": h.Grade, "comment": e.Comment}})
		return err
	}))
}

var scanHazard = scanDoc(func(h *duban.Hazard, path string) { h.TenantPath = path })

// GetHazard returns a hazard within scope with its history.
func (db *DB) GetHazard(ctx context.Context, scope []string, id string) (*duban.Hazard, []duban.HazardEvent, error) {
	var h duban.Hazard
	var hist []duban.HazardEvent
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT doc, tenant_path::text FROM hazards WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if h, err = pgx.CollectExactlyOneRow(rows, scanHazard); err != nil {
			return err
		}
		hist, err = transitions(ctx, tx, "hazard_events", "hazard_id", id)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, duban.Errorf(duban.ENotFound, "hazard %s not found", id)
	}
	if err != nil {
		return nil, nil, err
	}
	return &h, hist, nil
}

// ListHazards returns hazards within scope ordered by id, and the total.
func (db *DB) ListHazards(ctx context.Context, scope []string, f duban.HazardFilter) ([]duban.Hazard, int, error) {
	var w filter
	if f.Within != "" {
		w.within(f.Within)
	}
	if f.Grade != "" {
		w.add("grade = ?", f.Grade)
	}
	if f.State != "" {
		w.add("state = ?", f.State)
	}
	if f.Overdue != nil {
		w.add("overdue = ?", *f.Overdue)
	}
	if f.Listed != nil {
		w.add("listed = ?", *f.Listed)
	}
	if f.Campaign != "" {
		w.add("campaign_id = ?", f.Campaign)
	}
	return listPage(ctx, db, scope, "hazards", "doc, tenant_path::text", w, f.After, f.Limit,
		scanHazard)
}

// HazardsClosed counts hazards of a campaign in a subtree closed in [from, to).
func (db *DB) HazardsClosed(ctx context.Context, scope []string, campaign, path string, from, to time.Time) (int, error) {
	var n int
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM hazards WHERE campaign_id = $1 AND tenant_path <@ $2::text::ltree
			AND state = 'closed' AND closed_at >= $3 AND closed_at < $4`, campaign, path, from, to).Scan(&n)
	})
	return n, err
}
