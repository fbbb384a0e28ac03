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

// InsertCampaign records a launched campaign (audited) within scope.
func (db *DB) InsertCampaign(ctx context.Context, scope []string, c *duban.Campaign) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error { return insertCampaign(ctx, tx, c) }))
}

func insertCampaign(ctx context.Context, tx pgx.Tx, c *duban.Campaign) error {
	phases, _ := json.Marshal(c.Phases)
	options, _ := json.Marshal(c.Options)
	levels := make([]string, len(c.Levels))
	for i, l := range c.Levels {
		levels[i] = string(l)
	}
	targets := c.Targets
	if targets == nil {
		targets = []string{}
	}
	err := tx.QueryRow(ctx, `INSERT INTO campaigns (id, template, title, scope, scope_path, levels, phases, targets, status, created_by, created_at, options, parent_campaign, period)
		SELECT $1, $2, $3, code, path, $5, $6, $7, 'running', $8, $9, $10, nullif($11, ''), $12 FROM tenants WHERE code = $4
		RETURNING scope_path::text`,
		c.ID, c.Template, c.Title, c.Scope, levels, phases, targets, c.CreatedBy, c.CreatedAt, options, c.ParentCampaign, c.Period).Scan(&c.ScopePath)
	if err != nil {
		return FormatError(err)
	}
	c.Status = duban.CampaignRunning
	_, err = AppendAudit(ctx, tx, Audit{Tenant: c.Scope, Action: "campaign.launch", Target: "campaign/" + c.ID,
		Summary: map[string]any{"template": c.Template, "title": c.Title, "levels": c.Levels, "phases": c.Phases, "targets": c.Targets}})
	return err
}

const campaignCols = `id, template, title, scope, scope_path::text, levels, phases, targets, status, created_by, created_at, ended_at, end_reason, options, coalesce(parent_campaign, ''), period`

func scanCampaign(r pgx.CollectableRow) (duban.Campaign, error) {
	var c duban.Campaign
	var levels []string
	var phases, options []byte
	err := r.Scan(&c.ID, &c.Template, &c.Title, &c.Scope, &c.ScopePath, &levels, &phases, &c.Targets, &c.Status, &c.CreatedBy, &c.CreatedAt, &c.EndedAt, &c.EndReason, &options, &c.ParentCampaign, &c.Period)
	if err != nil {
		return c, err
	}
	_ = json.Unmarshal(options, &c.Options)
	for _, l := range levels {
		c.Levels = append(c.Levels, duban.Level(l))
	}
	err = json.Unmarshal(phases, &c.Phases)
	return c, err
}

// GetCampaign returns a campaign visible within scope (inside it or covering it).
func (db *DB) GetCampaign(ctx context.Context, scope []string, id string) (*duban.Campaign, error) {
	var c duban.Campaign
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1`, id)
		if err != nil {
			return err
		}
		c, err = pgx.CollectExactlyOneRow(rows, scanCampaign)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, duban.Errorf(duban.ENotFound, "campaign %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ListCampaigns returns campaigns visible within scope, newest first.
func (db *DB) ListCampaigns(ctx context.Context, scope []string, f duban.CampaignFilter) ([]duban.Campaign, int, error) {
	var items []duban.Campaign
	var total int
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		const cond = `($1 = '' OR status = $1) AND ($2 = '' OR template = $2)`
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM campaigns WHERE `+cond, f.Status, f.Template).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE `+cond+` AND ($3 = '' OR id < $3)
			ORDER BY id DESC LIMIT $4`, f.Status, f.Template, f.Before, f.Limit)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, scanCampaign)
		return err
	})
	return items, total, err
}

// SetCampaignStatus records a campaign's end (system scope; idempotent).
func (db *DB) SetCampaignStatus(ctx context.Context, id, status, reason string, at time.Time) error {
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		var scope string
		err := tx.QueryRow(ctx, `UPDATE campaigns SET status = $2, ended_at = $3, end_reason = $4, version = version + 1
			WHERE id = $1 AND status = 'running' RETURNING scope`, id, status, at, reason).Scan(&scope)
		if err == pgx.ErrNoRows {
			return nil // already ended: a retried activity
		}
		if err != nil {
			return err
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: scope, Action: "campaign." + status, Target: "campaign/" + id,
			Summary: map[string]any{"status": status, "reason": reason}})
		return err
	})
}

// ProjectAssignment writes an assignment snapshot if it is newer than the
// stored one, records the transition and audits it — all in one
// transaction. Replaying the same version changes nothing.
func (db *DB) ProjectAssignment(ctx context.Context, p duban.AssignmentProjection) error {
	a := p.Assignment
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		draft, _ := json.Marshal(a.Draft)
		report, _ := json.Marshal(a.Report)
		_, err := tx.Exec(ctx, `INSERT INTO assignments (id, campaign_id, tenant, tenant_path, level, phase, title, reviewer_tenant, signer_tenant,
				parent_id, state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at)
			SELECT $1, $2, $3, t.path, $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16, $17, $18, $19, $20, $21, $22
			FROM tenants t WHERE t.code = $3
			ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, due_at = EXCLUDED.due_at, overdue = EXCLUDED.overdue,
				escalation_level = EXCLUDED.escalation_level, draft = EXCLUDED.draft, report = EXCLUDED.report, comment = EXCLUDED.comment,
				submitted_at = EXCLUDED.submitted_at, first_submitted_at = EXCLUDED.first_submitted_at, approved_at = EXCLUDED.approved_at,
				signed_off_at = EXCLUDED.signed_off_at, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
			WHERE assignments.version < EXCLUDED.version`,
			a.ID, a.CampaignID, a.Tenant, string(a.Level), a.Phase, a.Title, a.ReviewerTenant, a.SignerTenant, a.ParentID,
			string(a.State), a.DueAt, a.Overdue, a.EscalationLevel, nullJSON(a.Draft, draft), nullJSON(a.Report, report), a.Comment,
			a.SubmittedAt, a.FirstSubmittedAt, a.ApprovedAt, a.SignedOffAt, a.Version, a.UpdatedAt)
		if err != nil {
			return fmt.Errorf("project assignment %s v%d: %w", a.ID, a.Version, err)
		}
		e := p.Event
		details, _ := json.Marshal(e.Details)
		tag, err := tx.Exec(ctx, `INSERT INTO assignment_events (assignment_id, version, tenant_path, at, actor, action, from_state, to_state, comment, details)
			SELECT $1, $2, path, $4, $5, $6, $7, $8, $9, $10::jsonb FROM tenants WHERE code = $3
			ON CONFLICT (assignment_id, version) DO NOTHING`,
			a.ID, a.Version, a.Tenant, e.At, e.Actor, e.Action, e.From, e.To, e.Comment, nullJSON(e.Details, details))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // this version was projected before: no second audit event
		}
		actx := duban.NewContextWithRequestID(duban.NewContextWithPrincipal(ctx, &duban.Principal{Login: e.Actor}), p.RequestID)
		_, err = AppendAudit(actx, tx, Audit{Tenant: a.Tenant, Action: "assignment." + e.Action, Target: "assignment/" + a.ID,
			Summary: map[string]any{"from": e.From, "to": e.To, "version": a.Version, "comment": e.Comment, "due_at": a.DueAt}})
		return err
	})
}

// transitions returns the versioned history rows of one object from an
// events table (assignment_events, hazard_events), oldest first.
func transitions(ctx context.Context, tx pgx.Tx, table, key, id string) ([]duban.AssignmentEvent, error) {
	rows, err := tx.Query(ctx, `SELECT version, at, actor, action, from_state, to_state, comment, details FROM `+table+`
		WHERE `+key+` = $1 ORDER BY version`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (duban.AssignmentEvent, error) {
		var e duban.AssignmentEvent
		var details []byte
		err := r.Scan(&e.Version, &e.At, &e.Actor, &e.Action, &e.From, &e.To, &e.Comment, &details)
		if details != nil {
			_ = json.Unmarshal(details, &e.Details)
		}
		return e, err
	})
}

func nullJSON(v map[string]any, b []byte) any {
	if v == nil {
		return nil
	}
	return string(b)
}

const assignmentCols = `id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
	state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at`

func scanAssignment(r pgx.CollectableRow) (duban.Assignment, error) {
	var a duban.Assignment
	var draft, report []byte
	err := r.Scan(&a.ID, &a.CampaignID, &a.Tenant, &a.TenantPath, &a.Level, &a.Phase, &a.Title, &a.ReviewerTenant, &a.SignerTenant, &a.ParentID,
		&a.State, &a.DueAt, &a.Overdue, &a.EscalationLevel, &draft, &report, &a.Comment, &a.SubmittedAt, &a.FirstSubmittedAt, &a.ApprovedAt, &a.SignedOffAt, &a.Version, &a.UpdatedAt)
	if err != nil {
		return a, err
	}
	if draft != nil {
		_ = json.Unmarshal(draft, &a.Draft)
	}
	if report != nil {
		_ = json.Unmarshal(report, &a.Report)
	}
	return a, nil
}

// GetAssignment returns an assignment within scope, with its history.
func (db *DB) GetAssignment(ctx context.Context, scope []string, id string) (*duban.Assignment, []duban.AssignmentEvent, error) {
	var a duban.Assignment
	var hist []duban.AssignmentEvent
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+assignmentCols+` FROM assignments WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if a, err = pgx.CollectExactlyOneRow(rows, scanAssignment); err != nil {
			return err
		}
		hist, err = transitions(ctx, tx, "assignment_events", "assignment_id", id)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, duban.Errorf(duban.ENotFound, "assignment %s not found", id)
	}
	if err != nil {
		return nil, nil, err
	}
	return &a, hist, nil
}

// ListAssignments returns assignments within scope ordered by id, and the total.
func (db *DB) ListAssignments(ctx context.Context, scope []string, f duban.AssignmentFilter) ([]duban.Assignment, int, error) {
	var w filter
	if f.Campaign != "" {
		w.add("campaign_id = ?", f.Campaign)
	}
	if f.Within != "" {
		w.within(f.Within)
	}
	if f.Tenants != nil {
		w.add("tenant = ANY(?)", f.Tenants)
	}
	if f.State != "" {
		w.add("state = ?", f.State)
	}
	if f.Level != "" {
		w.add("level = ?", f.Level)
	}
	if f.Overdue != nil {
		w.add("overdue = ?", *f.Overdue)
	}
	if f.DueBefore != nil {
		w.add("due_at < ?", *f.DueBefore)
	}
	return listPage(ctx, db, scope, "assignments", assignmentCols, w, f.After, f.Limit, scanAssignment)
}

// CampaignProgress rolls a campaign's assignments up to each given tenant's
// subtree, within scope, with the report totals of the lowest target level
// (none when lowest is empty).
func (db *DB) CampaignProgress(ctx context.Context, scope []string, campaign string, lowest duban.Level, tenants []duban.Tenant, now time.Time) ([]duban.Progress, error) {
	out := make([]duban.Progress, 0, len(tenants))
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		for _, t := range tenants {
			p := duban.Progress{Tenant: t.Code, Name: t.Name}
			var due int
			err := tx.QueryRow(ctx, `SELECT count(*),
				count(*) FILTER (WHERE state = 'assigned'), count(*) FILTER (WHERE state = 'in_progress'),
				count(*) FILTER (WHERE state = 'submitted'), count(*) FILTER (WHERE state = 'returned'),
				count(*) FILTER (WHERE state = 'approved'), count(*) FILTER (WHERE state = 'signed_off'),
				count(*) FILTER (WHERE state = 'cancelled'), count(*) FILTER (WHERE overdue),
				count(*) FILTER (WHERE first_submitted_at IS NOT NULL AND first_submitted_at <= due_at),
				count(*) FILTER (WHERE state <> 'cancelled' AND (due_at <= $3 OR first_submitted_at IS NOT NULL)),
				coalesce(max(escalation_level), 0), count(*) FILTER (WHERE escalation_level >= 3)
				FROM assignments WHERE campaign_id = $1 AND tenant_path <@ $2::text::ltree`, campaign, t.Path, now).
				Scan(&p.Total, &p.Assigned, &p.InProgress, &p.Submitted, &p.Returned, &p.Approved, &p.SignedOff, &p.Cancelled,
					&p.Overdue, &p.OnTime, &due, &p.EscalationLevel, &p.Listed)
			if err != nil {
				return err
			}
			p.OnTimeRate = 1
			if due > 0 {
				p.OnTimeRate = float64(p.OnTime) / float64(due)
			}
			p.Totals = map[string]float64{}
			out = append(out, p)
		}
		if lowest == "" { // counts only (the benchmark's baseline)
			return nil
		}
		// the totals of every node in two queries: reported counts, then sums per field
		paths := make([]string, len(tenants))
		for i, t := range tenants {
			paths[i] = t.Path
		}
		const reported = `FROM unnest($2::text[]) WITH ORDINALITY AS n(path, i)
			JOIN assignments a ON a.campaign_id = $1 AND a.tenant_path <@ n.path::ltree AND a.level = $3
				AND a.state IN ('submitted', 'approved', 'signed_off') AND a.report IS NOT NULL`
		rows, err := tx.Query(ctx, `SELECT n.i, count(*) `+reported+` GROUP BY n.i`, campaign, paths, string(lowest))
		if err != nil {
			return err
		}
		for rows.Next() {
			var i, c int
			if err := rows.Scan(&i, &c); err != nil {
				rows.Close()
				return err
			}
			out[i-1].Reported = c
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT n.i, f.key, sum((f.value)::text::numeric)::float8 `+reported+`
			CROSS JOIN LATERAL jsonb_each(a.report) f WHERE jsonb_typeof(f.value) = 'number' GROUP BY n.i, f.key`, campaign, paths, string(lowest))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i int
			var k string
			var v float64
			if err := rows.Scan(&i, &k, &v); err != nil {
				return err
			}
			out[i-1].Totals[k] = v
		}
		return rows.Err()
	})
	return out, err
}
