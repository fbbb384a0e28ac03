package postgres

import (
	"context"
	"encoding/json"
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
	h, e := p.Hazard, p.Event
	doc, _ := json.Marshal(h)
	details, _ := json.Marshal(e.Details)
	var campaign any
	if h.Campaign != "" {
		campaign = h.Campaign
	}
	return db.project(ctx, scope, projection{what: fmt.Sprintf("hazard %s v%d", h.ID, h.Version),
		snapshot: q("upsert_hazard"), snapArgs: []any{h.ID, h.Tenant, campaign, string(h.Grade), string(h.State), h.Listed, h.Overdue || h.ReinspectOverdue,
			h.EscalationLevel, h.Deadline, h.ReinspectDue, h.ReportedBy, h.ReportedAt, h.ClosedAt, doc, h.Version, h.UpdatedAt},
		event:     q("insert_hazard_event"),
		eventArgs: []any{h.ID, h.Version, h.Tenant, e.At, e.Actor, e.Action, e.From, e.To, e.Comment, nullJSON(e.Details, details)},
		audit: Audit{Tenant: h.Tenant, Action: "hazard." + e.Action, Target: "hazard/" + h.ID, Actor: e.Actor, RequestID: p.RequestID,
			Summary: map[string]any{"from": e.From, "to": e.To, "version": h.Version, "grade": h.Grade, "comment": e.Comment}},
	})
}

var scanHazard = scanDoc(func(h *duban.Hazard, path string) { h.TenantPath = path })

// FindHazard returns a hazard within scope, without its history.
func (db *DB) FindHazard(ctx context.Context, scope []string, id string) (*duban.Hazard, error) {
	h, _, err := one(ctx, db, scope, "hazard", q("get_hazard"), id, scanHazard, "")
	return h, err
}

// GetHazard returns a hazard within scope with its history.
func (db *DB) GetHazard(ctx context.Context, scope []string, id string) (*duban.Hazard, []duban.HazardEvent, error) {
	return one(ctx, db, scope, "hazard", q("get_hazard"), id, scanHazard, q("hazard_history"))
}

// ListHazards returns hazards within scope ordered by id, and the total.
func (db *DB) ListHazards(ctx context.Context, scope []string, f duban.HazardFilter) ([]duban.Hazard, int, error) {
	within, found, err := db.pathOf(ctx, f.Within)
	if err != nil || !found {
		return nil, 0, err // a subtree of no tenant holds nothing
	}
	args := []any{within, f.Grade, f.State, f.Overdue, f.Listed, f.Campaign, f.Enterprise, f.Project}
	count, countArgs := q("count_hazards"), args
	if f.Campaign == "" && f.Enterprise == "" && f.Project == "" {
		if provinceSeen(scope, within) {
			return pageKeptCount(ctx, db, scope, q("count_hazards_province"), args[:5], q("list_hazards"), args, f.After, f.Limit, scanHazard)
		}
		count, countArgs = q("count_hazards_kept"), args[:5]
	}
	return pageCounted(ctx, db, scope, count, countArgs, q("list_hazards"), args, f.After, f.Limit, scanHazard)
}

// HazardsClosed counts, for each subtree of paths, the hazards of a
// campaign in it closed in [from, to): the campaign's closed hazards are
// read once.
func (db *DB) HazardsClosed(ctx context.Context, scope []string, campaign string, paths []string, from, to time.Time) ([]int, error) {
	out := make([]int, len(paths))
	in := subtrees(paths)
	err := db.readInScope(ctx, q("in_scope"), scope, func(b *pgx.Batch) { b.Queue(q("hazards_closed"), campaign, from, to) }, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var path string
			if err := rows.Scan(&path); err != nil {
				return err
			}
			for _, i := range in(path) {
				out[i]++
			}
		}
		return rows.Err()
	})
	return out, err
}
