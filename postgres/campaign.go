package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// InsertCampaign records a launched campaign (audited) within scope.
func (db *DB) InsertCampaign(ctx context.Context, scope []string, c *duban.Campaign) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error { return insertCampaign(ctx, tx, c) }))
}

func insertCampaign(ctx context.Context, tx pgx.Tx, c *duban.Campaign) error {
	c.DefaultLines()
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
	err := tx.QueryRow(ctx, q("insert_campaign"),
		c.ID, c.Template, c.Title, c.Scope, levels, phases, targets, c.CreatedBy, c.CreatedAt, options, c.ParentCampaign, c.Period, duban.LineStrings(c.Lines)).Scan(&c.ScopePath)
	if err != nil {
		return FormatError(err)
	}
	c.Status = duban.CampaignRunning
	_, err = AppendAudit(ctx, tx, Audit{Tenant: c.Scope, Action: "campaign.launch", Target: "campaign/" + c.ID,
		Summary: map[string]any{"template": c.Template, "title": c.Title, "levels": c.Levels, "phases": c.Phases, "targets": c.Targets, "lines": c.Lines}})
	return err
}

func scanCampaign(r pgx.CollectableRow) (duban.Campaign, error) {
	var c duban.Campaign
	var levels []string
	var phases, options []byte
	var lines []string
	err := r.Scan(&c.ID, &c.Template, &c.Title, &c.Scope, &c.ScopePath, &levels, &phases, &c.Targets, &c.Status, &c.CreatedBy, &c.CreatedAt, &c.EndedAt, &c.EndReason, &options, &c.ParentCampaign, &c.Period, &lines)
	if err != nil {
		return c, err
	}
	c.Lines = duban.ParseLines(strings.Join(lines, ","))
	_ = json.Unmarshal(options, &c.Options)
	for _, l := range levels {
		c.Levels = append(c.Levels, duban.Level(l))
	}
	err = json.Unmarshal(phases, &c.Phases)
	return c, err
}

// GetCampaign returns a campaign visible within scope (inside it or covering it).
func (db *DB) GetCampaign(ctx context.Context, scope []string, id string) (*duban.Campaign, error) {
	c, _, err := one(ctx, db, scope, "campaign", q("get_campaign"), id, scanCampaign, "")
	return c, err
}

// ListCampaigns returns campaigns visible within scope, newest first.
func (db *DB) ListCampaigns(ctx context.Context, scope []string, f duban.CampaignFilter) ([]duban.Campaign, int, error) {
	return page(ctx, db, scope, q("count_campaigns"), q("list_campaigns"), []any{f.Status, f.Template, f.Line}, f.Before, f.Limit, scanCampaign)
}

// SetCampaignStatus records a campaign's end (system scope; idempotent).
func (db *DB) SetCampaignStatus(ctx context.Context, id, status, reason string, at time.Time) error {
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		var scope string
		err := tx.QueryRow(ctx, q("set_campaign_status"), id, status, at, reason).Scan(&scope)
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
	a, e := p.Assignment, p.Event
	draft, _ := json.Marshal(a.Draft)
	report, _ := json.Marshal(a.Report)
	details, _ := json.Marshal(e.Details)
	return db.project(ctx, duban.SystemScope, projection{what: fmt.Sprintf("assignment %s v%d", a.ID, a.Version),
		snapshot: q("upsert_assignment"), snapArgs: []any{a.ID, a.CampaignID, a.Tenant, string(a.Level), a.Phase, a.Title, a.ReviewerTenant, a.SignerTenant,
			a.ParentID, string(a.State), a.DueAt, a.Overdue, a.EscalationLevel, nullJSON(a.Draft, draft), nullJSON(a.Report, report), a.Comment,
			a.SubmittedAt, a.FirstSubmittedAt, a.ApprovedAt, a.SignedOffAt, a.Version, a.UpdatedAt, a.OriginalDue},
		event:     q("insert_assignment_event"),
		eventArgs: []any{a.ID, a.Version, a.Tenant, e.At, e.Actor, e.Action, e.From, e.To, e.Comment, nullJSON(e.Details, details)},
		audit: Audit{Tenant: a.Tenant, Action: "assignment." + e.Action, Target: "assignment/" + a.ID, Actor: e.Actor, RequestID: p.RequestID,
			Summary: map[string]any{"from": e.From, "to": e.To, "version": a.Version, "comment": e.Comment, "due_at": a.DueAt}},
	})
}

// collectTransitions reads the versioned history rows of one object, oldest
// first (assignment_history or hazard_history).
func collectTransitions(rows pgx.Rows) ([]duban.AssignmentEvent, error) {
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

func scanAssignment(r pgx.CollectableRow) (duban.Assignment, error) {
	var a duban.Assignment
	var draft, report []byte
	var lines []string
	err := r.Scan(&a.ID, &a.CampaignID, &a.Tenant, &a.TenantPath, &a.Level, &a.Phase, &a.Title, &a.ReviewerTenant, &a.SignerTenant, &a.ParentID,
		&a.State, &a.DueAt, &a.Overdue, &a.EscalationLevel, &draft, &report, &a.Comment, &a.SubmittedAt, &a.FirstSubmittedAt, &a.ApprovedAt, &a.SignedOffAt, &a.Version, &a.UpdatedAt, &lines, &a.OriginalDue)
	if err != nil {
		return a, err
	}
	a.Lines = duban.ParseLines(strings.Join(lines, ","))
	if draft != nil {
		_ = json.Unmarshal(draft, &a.Draft)
	}
	if report != nil {
		_ = json.Unmarshal(report, &a.Report)
	}
	return a, nil
}

// FindAssignment returns an assignment within scope, without its history.
func (db *DB) FindAssignment(ctx context.Context, scope []string, id string) (*duban.Assignment, error) {
	a, _, err := one(ctx, db, scope, "assignment", q("get_assignment"), id, scanAssignment, "")
	return a, err
}

// GetAssignment returns an assignment within scope, with its history.
func (db *DB) GetAssignment(ctx context.Context, scope []string, id string) (*duban.Assignment, []duban.AssignmentEvent, error) {
	return one(ctx, db, scope, "assignment", q("get_assignment"), id, scanAssignment, q("assignment_history"))
}

// ListAssignments returns assignments within scope ordered by id, and the total.
func (db *DB) ListAssignments(ctx context.Context, scope []string, f duban.AssignmentFilter) ([]duban.Assignment, int, error) {
	list := q("list_assignments")
	switch {
	case f.ByDue && f.Latest:
		list = q("list_assignments_by_due_latest")
	case f.ByDue:
		list = q("list_assignments_by_due")
	}
	within, found, err := db.pathOf(ctx, f.Within)
	if err != nil || !found {
		return nil, 0, err // a subtree of no tenant holds nothing
	}
	one := ""
	if len(f.Tenants) == 1 {
		one = f.Tenants[0] // an equality the (tenant, due_at, id) index serves in order
	}
	if f.ByDue && !f.Latest && f.Tenants != nil && within == "" && f.Campaign == "" && f.DueBefore == nil { // an inbox
		after := f.After
		if after == "" {
			after = "-infinity|"
		}
		count, countArgs := q("count_tenants_assignments_kept"), []any{f.Tenants, f.State, f.Level, f.Overdue}
		if f.State != "" {
			return pagePlanned(ctx, db, scope, count, countArgs, q("list_tenants_state_assignments_by_due"),
				[]any{f.Tenants, f.Level, f.Overdue}, after, f.Limit, scanAssignment, f.State)
		}
		return pagePlanned(ctx, db, scope, count, countArgs, q("list_tenants_assignments_by_due"),
			[]any{f.Tenants, f.Level, f.Overdue}, after, f.Limit, scanAssignment)
	}
	args := []any{f.Campaign, within, f.Tenants, f.State, f.Level, f.Overdue, f.DueBefore, one}
	count, countArgs := q("count_assignments"), args
	if f.Campaign == "" && f.DueBefore == nil {
		if f.Tenants == nil && provinceSeen(scope, within) {
			return pageKeptCount(ctx, db, scope, q("count_assignments_province"), []any{within, f.State, f.Level, f.Overdue}, list, args, f.After, f.Limit, scanAssignment)
		}
		count, countArgs = q("count_assignments_kept"), []any{within, f.Tenants, f.State, f.Level, f.Overdue, one}
	}
	return pageCounted(ctx, db, scope, count, countArgs, list, args, f.After, f.Limit, scanAssignment)
}

// CampaignProgress rolls a campaign's assignments up to each given tenant's
// subtree, within scope, with the report totals of the lowest target level
// (none when lowest is empty).
func (db *DB) CampaignProgress(ctx context.Context, scope []string, campaign string, lowest duban.Level, tenants []duban.Tenant, now time.Time) ([]duban.Progress, error) {
	out := make([]duban.Progress, len(tenants))
	paths := make([]string, len(tenants))
	for i, t := range tenants {
		out[i] = duban.Progress{Tenant: t.Code, Name: t.Name, Totals: map[string]float64{}}
		paths[i] = t.Path
	}
	in := subtrees(paths)
	// the campaign's rows are read once and each is counted for every
	// subtree it is in (a national campaign's 3,342 rows once, not once for
	// each of the 32 subtrees of its progress: BENCHMARKS.md, growth)
	err := db.readInScope(ctx, q("in_scope"), scope, func(b *pgx.Batch) { b.Queue(q("campaign_progress"), campaign, now) }, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		var path string
		var level, state string
		var overdue, onTime, due bool
		var escalation int
		var report []byte
		for rows.Next() {
			if err := rows.Scan(&path, &level, &state, &overdue, &onTime, &due, &escalation, &report); err != nil {
				return err
			}
			var fields map[string]any
			reported := lowest != "" && level == string(lowest) && report != nil
			if reported {
				_ = json.Unmarshal(report, &fields)
			}
			for _, i := range in(path) {
				p := &out[i]
				p.Total++
				switch duban.AssignmentState(state) {
				case duban.StateAssigned:
					p.Assigned++
				case duban.StateInProgress:
					p.InProgress++
				case duban.StateSubmitted:
					p.Submitted++
				case duban.StateReturned:
					p.Returned++
				case duban.StateApproved:
					p.Approved++
				case duban.StateSignedOff:
					p.SignedOff++
				case duban.StateCancelled:
					p.Cancelled++
				}
				if overdue {
					p.Overdue++
				}
				if onTime {
					p.OnTime++
				}
				if due {
					p.Due++
				}
				p.EscalationLevel = max(p.EscalationLevel, escalation)
				if escalation >= 3 {
					p.Listed++
				}
				if reported {
					p.Reported++
					for k, v := range fields {
						if f, ok := v.(float64); ok {
							p.Totals[k] += f
						}
					}
				}
			}
		}
		return rows.Err()
	})
	for i := range out {
		out[i].OnTimeRate = 1
		if out[i].Due > 0 {
			out[i].OnTimeRate = float64(out[i].OnTime) / float64(out[i].Due)
		}
	}
	return out, err
}

// subtrees returns, for a row's path, the indexes of the given paths whose
// subtree holds it (the path itself or an ancestor of it).
func subtrees(paths []string) func(path string) []int {
	at := map[string][]int{}
	for i, p := range paths {
		at[p] = append(at[p], i)
	}
	return func(path string) []int {
		var out []int
		for {
			out = append(out, at[path]...)
			dot := strings.LastIndexByte(path, '.')
			if dot < 0 {
				return out
			}
			path = path[:dot]
		}
	}
}
