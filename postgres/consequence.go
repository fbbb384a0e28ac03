package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

var (
	scanFollowUp   = scanDoc(func(*duban.FollowUp, string) {})
	scanSummons    = scanDoc(func(*duban.Summons, string) {})
	scanAssessment = scanDoc(func(*duban.Assessment, string) {})
)

// ProjectFollowUp writes a follow-up snapshot if it is newer than the
// stored one and audits the step; a follow-up of a summons that is done
// closes the summons once all its commitments are. Replaying a version
// changes nothing.
func (db *DB) ProjectFollowUp(ctx context.Context, scope []string, p duban.FollowUpProjection) error {
	f := p.FollowUp
	doc, _ := json.Marshal(f)
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q("upsert_follow_up"), f.ID, f.Tenant, f.Issuer, duban.LineStrings(f.Lines), f.Kind, f.Source, f.State, f.DueAt, doc, f.Version, f.UpdatedAt)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := AppendAudit(ctx, tx, Audit{Tenant: f.Tenant, Action: "follow_up." + p.Action, Target: "follow_up/" + f.ID, Actor: p.Actor, RequestID: p.RequestID,
			Summary: map[string]any{"kind": f.Kind, "source": f.Source, "state": f.State, "due_at": f.DueAt, "version": f.Version, "issuer": f.Issuer}}); err != nil {
			return err
		}
		if id, ok := strings.CutPrefix(f.Source, "summons/"); ok && f.State == duban.FollowUpDone {
			var tenant, convener string
			err := tx.QueryRow(ctx, q("close_summons_when_done"), id, f.UpdatedAt).Scan(&tenant, &convener)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			} else if err != nil {
				return err
			}
			_, err = AppendAudit(ctx, tx, Audit{Tenant: convener, Action: "summons.close", Target: "summons/" + id, Actor: "system",
				Summary: map[string]any{"tenant": tenant, "reason": "every commitment done"}})
			return err
		}
		return nil
	}))
}

// GetFollowUp returns a follow-up within scope.
func (db *DB) GetFollowUp(ctx context.Context, scope []string, id string) (*duban.FollowUp, error) {
	f, _, err := one(ctx, db, scope, "follow-up", q("get_follow_up"), id, scanFollowUp, "")
	return f, err
}

// ListFollowUps returns follow-ups within scope ordered by id, and the total.
func (db *DB) ListFollowUps(ctx context.Context, scope []string, f duban.FollowUpFilter) ([]duban.FollowUp, int, error) {
	return page(ctx, db, scope, q("count_follow_ups"), q("list_follow_ups"),
		[]any{f.Within, f.Issuer, f.Kind, f.State, f.Source}, f.After, f.Limit, scanFollowUp)
}

// InsertSummons stores a new summons, audited. One raised by a cause
// (Source) is claimed once per unit: raising it again stores nothing and
// returns false with the first one's id in s.ID.
func (db *DB) InsertSummons(ctx context.Context, scope []string, s *duban.Summons) (bool, error) {
	created := false
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		doc, _ := json.Marshal(s)
		var id string
		err := tx.QueryRow(ctx, q("insert_summons"), s.ID, s.Tenant, s.Convener, duban.LineStrings(s.Lines), s.State, s.Source, s.MeetingAt, doc, s.Version, s.UpdatedAt).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return tx.QueryRow(ctx, q("summons_by_source"), s.Source, s.Tenant).Scan(&s.ID)
		} else if err != nil {
			return err
		}
		created = true
		_, err = AppendAudit(ctx, tx, Audit{Tenant: s.Convener, Action: "summons." + s.State, Target: "summons/" + s.ID,
			Summary: map[string]any{"tenant": s.Tenant, "source": s.Source, "reason": s.Reason, "meeting_at": s.MeetingAt}})
		return err
	})
	return created, FormatError(err)
}

// UpdateSummons replaces a summons whose stored version is s.Version-1
// (optimistic: a concurrent change makes it a conflict), audited.
func (db *DB) UpdateSummons(ctx context.Context, scope []string, s *duban.Summons, action string) error {
	doc, _ := json.Marshal(s)
	return db.replaceVersioned(ctx, scope, "summons "+s.ID, q("update_summons"), []any{s.ID, s.State, s.MeetingAt, doc, s.Version, s.UpdatedAt},
		Audit{Tenant: s.Convener, Action: "summons." + action, Target: "summons/" + s.ID,
			Summary: map[string]any{"tenant": s.Tenant, "state": s.State, "version": s.Version, "meeting_at": s.MeetingAt}})
}

// replaceVersioned runs an optimistic replacement (it changes a row only
// where the stored version is the one read) and audits it; no row changed
// is a conflict naming what.
func (db *DB) replaceVersioned(ctx context.Context, scope []string, what, query string, args []any, audit Audit) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return duban.Errorf(duban.EConflict, "%s was changed meanwhile: read it again", what)
		}
		_, err = AppendAudit(ctx, tx, audit)
		return err
	}))
}

// GetSummons returns a summons within scope.
func (db *DB) GetSummons(ctx context.Context, scope []string, id string) (*duban.Summons, error) {
	s, _, err := one(ctx, db, scope, "summons", q("get_summons"), id, scanSummons, "")
	return s, err
}

// ListSummonses returns summonses within scope ordered by id, and the total.
func (db *DB) ListSummonses(ctx context.Context, scope []string, f duban.SummonsFilter) ([]duban.Summons, int, error) {
	return page(ctx, db, scope, q("count_summonses"), q("list_summonses"), []any{f.Within, f.Convener, f.State}, f.After, f.Limit, scanSummons)
}

// PreviousLaggards returns the laggards of the issuer's circular on the
// campaign issued just before circular.
func (db *DB) PreviousLaggards(ctx context.Context, campaign, issuer, circular string) ([]string, error) {
	var out []string
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, q("previous_laggards"), campaign, issuer, circular).Scan(&out)
	})
	return out, FormatError(err)
}

// InsertAssessment stores a new assessment, published to every unit it
// assesses, audited. One per campaign, assessor and year.
func (db *DB) InsertAssessment(ctx context.Context, scope []string, a *duban.Assessment) error {
	named := make([]string, len(a.Units))
	for i, u := range a.Units {
		named[i] = u.Tenant
	}
	doc, _ := json.Marshal(a)
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q("insert_assessment"), a.ID, a.Tenant, a.Campaign, a.Year, duban.LineStrings(a.Lines), named, doc, a.CreatedAt); err != nil {
			return err
		}
		_, err := AppendAudit(ctx, tx, Audit{Tenant: a.Tenant, Action: "assessment.create", Target: "assessment/" + a.ID,
			Summary: map[string]any{"campaign": a.Campaign, "year": a.Year, "units": len(a.Units)}})
		return err
	}))
}

// UpdateAssessment replaces an assessment whose stored version is
// a.Version-1 (optimistic), audited under action.
func (db *DB) UpdateAssessment(ctx context.Context, scope []string, a *duban.Assessment, action string, summary any) error {
	doc, _ := json.Marshal(a)
	return db.replaceVersioned(ctx, scope, "assessment "+a.ID, q("update_assessment"), []any{a.ID, doc, a.Version, a.UpdatedAt},
		Audit{Tenant: a.Tenant, Action: "assessment." + action, Target: "assessment/" + a.ID, Summary: summary})
}

// GetAssessment returns an assessment within scope.
func (db *DB) GetAssessment(ctx context.Context, scope []string, id string) (*duban.Assessment, error) {
	a, _, err := one(ctx, db, scope, "assessment", q("get_assessment"), id, scanAssessment, "")
	return a, err
}

// ListAssessments returns assessments within scope ordered by id.
func (db *DB) ListAssessments(ctx context.Context, scope []string, campaign string, year int, after string, limit int) ([]duban.Assessment, int, error) {
	return page(ctx, db, scope, q("count_assessments"), q("list_assessments"), []any{campaign, year}, after, limit, scanAssessment)
}

// AssessmentFigures reads what the records say of the subtree at path in
// [from, to) (and the accidents of the year before), within scope.
func (db *DB) AssessmentFigures(ctx context.Context, scope []string, path string, from, to time.Time) (duban.AssessmentFigures, error) {
	var f duban.AssessmentFigures
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("assess_accidents"), path, from, to).Scan(&f.Accidents, &f.Deaths, &f.MajorAccidents, &f.Concealed, &f.Omitted); err != nil {
			return err
		}
		var d, m, c, o int
		if err := tx.QueryRow(ctx, q("assess_accidents"), path, from.AddDate(-1, 0, 0), from).Scan(&f.AccidentsLastYear, &d, &m, &c, &o); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, q("assess_on_time"), path, from, to).Scan(&f.AssignmentsDue, &f.AssignmentsOnTime); err != nil {
			return err
		}
		return tx.QueryRow(ctx, q("assess_hazards"), path, from, to).Scan(&f.HazardsDue, &f.HazardsOnTime)
	})
	return f, FormatError(err)
}

// AccidentStatsByRegion counts accidents and deaths in [from, to) of the
// tenant itself (本级) and of each subtree at paths, within scope.
func (db *DB) AccidentStatsByRegion(ctx context.Context, scope []string, tenant string, paths []string, from, to time.Time) ([2]int, [][2]int, error) {
	var own [2]int
	out := make([][2]int, len(paths))
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, q("accident_stats_own"), tenant, from, to).Scan(&own[0], &own[1]); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q("accident_stats_by_region"), paths, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i, n, d int
			if err := rows.Scan(&i, &n, &d); err != nil {
				return err
			}
			out[i-1] = [2]int{n, d}
		}
		return rows.Err()
	})
	return own, out, FormatError(err)
}

// AccidentStatsBySector counts accidents and deaths per sector in the
// subtree at path in [from, to), within scope.
func (db *DB) AccidentStatsBySector(ctx context.Context, scope []string, path string, from, to time.Time) (map[string][2]int, error) {
	out := map[string][2]int{}
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("accident_stats_by_sector"), path, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n, d int
			if err := rows.Scan(&s, &n, &d); err != nil {
				return err
			}
			out[s] = [2]int{n, d}
		}
		return rows.Err()
	})
	return out, FormatError(err)
}
