package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// upsertQuery is each kind's upsert (queries/registry.sql).
var upsertQuery = map[string]string{
	duban.KindEnterprises: q("upsert_enterprise"),
	duban.KindProjects:    q("upsert_project"),
	duban.KindPersonnel:   q("upsert_person"),
}

// errPreview rolls back a preview's transaction.
var errPreview = errors.New("preview: roll back")

// SaveRegistry writes records (see duban.RegistryStore). Before anything is
// written it finds, per row, keys registered by a tenant the caller cannot
// see and enterprises named that are not registered in the row's province;
// then it writes every row in one transaction (a preview rolls it back).
func (db *DB) SaveRegistry(ctx context.Context, scope []string, writes []duban.RegistryWrite, audit duban.RegistryAudit, commit bool) ([]string, map[int][]duban.RowError, error) {
	rowErrs := map[int][]duban.RowError{}
	if err := db.registryChecks(ctx, scope, writes, rowErrs); err != nil {
		return nil, nil, err
	}
	if len(rowErrs) > 0 {
		return nil, rowErrs, nil
	}
	outcomes := make([]string, len(writes))
	actor := "system"
	if p := duban.PrincipalFromContext(ctx); p != nil {
		actor = p.Login
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, w := range writes {
			doc, err := json.Marshal(w.Doc)
			if err != nil {
				return err
			}
			args := append([]any{w.Key, w.Tenant, duban.LineStrings(w.Lines), w.Name, doc, now, actor, w.Expect}, w.Extra...)
			b.Queue(upsertQuery[w.Kind], args...)
		}
		res := tx.SendBatch(ctx, b)
		versions := make([]int64, len(writes))
		for i := range writes {
			var inserted bool
			err := res.QueryRow().Scan(&versions[i], &inserted)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				outcomes[i] = duban.OutcomeUnchanged
			case err != nil:
				res.Close()
				return err
			case inserted:
				outcomes[i] = duban.OutcomeCreated
			default:
				outcomes[i] = duban.OutcomeUpdated
			}
		}
		if err := res.Close(); err != nil {
			return err
		}
		// an unchanged row of a write that named its version: stale, or
		// the same content again
		for i, w := range writes {
			if outcomes[i] != duban.OutcomeUnchanged || w.Expect == 0 {
				continue
			}
			var v int64
			if err := tx.QueryRow(ctx, q("registry_version"), w.Kind, w.Key).Scan(&v); err != nil {
				return err
			}
			if w.Expect < 0 {
				return duban.Errorf(duban.EConflict, "%s is already registered", w.Key)
			}
			if v != w.Expect {
				return duban.Errorf(duban.EConflict, "%s is at version %d, not %d: reload it and apply your change again", w.Key, v, w.Expect)
			}
		}
		ev := &pgx.Batch{}
		counts := map[string]int{}
		for i, w := range writes {
			counts[outcomes[i]]++
			if outcomes[i] == duban.OutcomeUnchanged {
				continue
			}
			ev.Queue(q("insert_registry_event"), w.Kind, w.Key, versions[i], w.Tenant, duban.LineStrings(w.Lines), now, actor, outcomes[i], nil)
		}
		if ev.Len() > 0 {
			if err := tx.SendBatch(ctx, ev).Close(); err != nil {
				return err
			}
		}
		if counts[duban.OutcomeCreated]+counts[duban.OutcomeUpdated] > 0 {
			summary := map[string]any{"created": counts[duban.OutcomeCreated], "updated": counts[duban.OutcomeUpdated], "unchanged": counts[duban.OutcomeUnchanged]}
			if len(writes) == 1 {
				summary["key"] = writes[0].Key
			}
			if _, err := AppendAudit(ctx, tx, Audit{Tenant: audit.Tenant, Action: audit.Action, Target: audit.Target, Summary: summary}); err != nil {
				return err
			}
		}
		if !commit {
			return errPreview
		}
		return nil
	})
	if errors.Is(err, errPreview) {
		err = nil
	}
	if err != nil {
		return nil, nil, FormatError(err)
	}
	return outcomes, nil, nil
}

// registryChecks adds the row errors found before writing: a key held by a
// tenant outside the caller's view, an enterprise named that is not
// registered in the row's province.
func (db *DB) registryChecks(ctx context.Context, scope []string, writes []duban.RegistryWrite, rowErrs map[int][]duban.RowError) error {
	keys := map[string][]string{}
	for _, w := range writes {
		keys[w.Kind] = append(keys[w.Kind], w.Key)
	}
	anywhere := map[string]string{} // kind/key → tenant path
	visible := map[string]bool{}
	for kind, ks := range keys {
		for _, system := range []bool{true, false} {
			sc := scope
			if system {
				sc = duban.SystemScope
			}
			err := db.InScope(ctx, sc, func(tx pgx.Tx) error {
				rows, err := tx.Query(ctx, q("registry_keys_anywhere"), kind, ks)
				if err != nil {
					return err
				}
				var k, path string
				_, err = pgx.ForEachRow(rows, []any{&k, &path}, func() error {
					if system {
						anywhere[kind+"/"+k] = path
					} else {
						visible[kind+"/"+k] = true
					}
					return nil
				})
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	// enterprises named, per province
	refs := map[string][]string{} // province path → codes
	provinces := map[string]string{}
	province := func(tenant string) string {
		p, ok := provinces[tenant]
		if !ok {
			_ = db.Pool.QueryRow(ctx, q("province_path"), tenant).Scan(&p)
			provinces[tenant] = p
		}
		return p
	}
	for _, w := range writes {
		for _, r := range w.Refs {
			p := province(w.Tenant)
			refs[p] = append(refs[p], r.Code)
		}
	}
	found := map[string]bool{} // province/code
	for p, codes := range refs {
		err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, q("refs_within"), codes, p)
			if err != nil {
				return err
			}
			var c string
			_, err = pgx.ForEachRow(rows, []any{&c}, func() error { found[p+"/"+c] = true; return nil })
			return err
		})
		if err != nil {
			return err
		}
	}
	seen := map[string]int{}
	for i, w := range writes {
		k := w.Kind + "/" + w.Key
		if first, dup := seen[k]; dup {
			rowErrs[i] = append(rowErrs[i], duban.RowError{Field: "key", Message: fmt.Sprintf("the same record as row %d", first+2), Value: w.Key})
		}
		seen[k] = i
		if _, exists := anywhere[k]; exists && !visible[k] {
			rowErrs[i] = append(rowErrs[i], duban.RowError{Field: "key", Message: "already registered by a tenant outside your scope", Value: w.Key})
		}
		for _, r := range w.Refs {
			if !found[province(w.Tenant)+"/"+r.Code] {
				rowErrs[i] = append(rowErrs[i], duban.RowError{Field: r.Field, Message: "no enterprise with this credit code is registered in the province", Value: r.Code})
			}
		}
	}
	return nil
}

var scanEnterprise = scanDoc(func(e *duban.Enterprise, path string) { e.TenantPath = path })
var scanProject = scanDoc(func(p *duban.Project, path string) { p.TenantPath = path })
var scanPerson = scanDoc(func(p *duban.Person, path string) { p.TenantPath = path })
var scanDangerousWork = scanDoc(func(w *duban.DangerousWork, path string) { w.TenantPath = path })

// GetEnterprise returns an enterprise within scope.
func (db *DB) GetEnterprise(ctx context.Context, scope []string, code string) (*duban.Enterprise, error) {
	e, _, err := one(ctx, db, scope, "enterprise", q("get_enterprise"), code, scanEnterprise, "")
	return e, err
}

// ListEnterprises returns enterprises within scope ordered by credit code.
func (db *DB) ListEnterprises(ctx context.Context, scope []string, f duban.RegistryFilter) ([]duban.Enterprise, int, error) {
	return page(ctx, db, scope, q("count_enterprises"), q("list_enterprises"),
		[]any{f.Within, f.Query, f.Kind, f.Status, f.Line, f.Mismatch, f.InScope, duban.CoreDualPreventionScope.MaxGrade}, f.After, f.Limit, scanEnterprise)
}

// GetProject returns a project within scope.
func (db *DB) GetProject(ctx context.Context, scope []string, code string) (*duban.Project, error) {
	p, _, err := one(ctx, db, scope, "project", q("get_project"), code, scanProject, "")
	return p, err
}

// ListProjects returns projects within scope ordered by code.
func (db *DB) ListProjects(ctx context.Context, scope []string, f duban.RegistryFilter) ([]duban.Project, int, error) {
	return page(ctx, db, scope, q("count_projects"), q("list_projects"),
		[]any{f.Within, f.Query, f.Kind, f.Status, f.Line, f.InScope, duban.CoreDualPreventionScope.MinContractCNY}, f.After, f.Limit, scanProject)
}

// GetPerson returns a person within scope (the ID number masked).
func (db *DB) GetPerson(ctx context.Context, scope []string, id string) (*duban.Person, error) {
	p, _, err := one(ctx, db, scope, "person", q("get_person"), id, scanPerson, "")
	return p, err
}

// ListPersonnel returns people within scope ordered by id. Kind filters by
// employer, Status by role.
func (db *DB) ListPersonnel(ctx context.Context, scope []string, f duban.RegistryFilter) ([]duban.Person, int, error) {
	return page(ctx, db, scope, q("count_personnel"), q("list_personnel"),
		[]any{f.Within, f.Query, f.Kind, f.Status, f.Line}, f.After, f.Limit, scanPerson)
}

// PersonSealed reads the sealed personal data of a person and audits the
// read (see duban.RegistryStore).
func (db *DB) PersonSealed(ctx context.Context, scope []string, id, purpose string) ([]byte, []byte, error) {
	var idSealed, phoneSealed []byte
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		var tenant string
		if err := tx.QueryRow(ctx, q("person_sealed"), id).Scan(&idSealed, &phoneSealed, &tenant); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return duban.Errorf(duban.ENotFound, "person %s not found", id)
			}
			return err
		}
		_, err := AppendAudit(ctx, tx, Audit{Tenant: tenant, Action: "person.read_personal_data", Target: "person/" + id,
			Summary: map[string]any{"purpose": purpose}})
		return err
	})
	return idSealed, phoneSealed, FormatError(err)
}

// SetDualPrevention moves a record's dual-prevention stage (versioned,
// audited).
func (db *DB) SetDualPrevention(ctx context.Context, scope []string, kind, key, stage string, expect int64, at time.Time) (int64, error) {
	query := map[string]string{duban.KindEnterprises: q("set_enterprise_dual_prevention"), duban.KindProjects: q("set_project_dual_prevention")}[kind]
	actor := "system"
	if p := duban.PrincipalFromContext(ctx); p != nil {
		actor = p.Login
	}
	var version int64
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		var tenant string
		var lines []string
		err := tx.QueryRow(ctx, query, key, stage, expect, at, actor).Scan(&version, &tenant, &lines)
		if errors.Is(err, pgx.ErrNoRows) {
			var v int64
			if err := tx.QueryRow(ctx, q("registry_version"), kind, key).Scan(&v); err != nil {
				return err // not found
			}
			return duban.Errorf(duban.EConflict, "%s is at version %d, not %d: reload it and apply your change again", key, v, expect)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q("insert_registry_event"), kind, key, version, tenant, lines, at, actor, "dual_prevention",
			map[string]any{"stage": stage}); err != nil {
			return err
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: tenant, Action: strings.TrimSuffix(kind, "s") + ".dual_prevention", Target: kind + "/" + key,
			Summary: map[string]any{"stage": stage, "version": version}})
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, duban.Errorf(duban.ENotFound, "%s not found", key)
	}
	return version, FormatError(err)
}

// RegisteredWithin reports whether an enterprise or project is registered
// inside the subtree at path (system scope).
func (db *DB) RegisteredWithin(ctx context.Context, kind, key, path string) (bool, error) {
	var ok bool
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, q("registry_ref_within"), kind, key, path).Scan(&ok)
	})
	return ok, err
}

// RegistryCoverage computes the dual-prevention coverage of node's subtree
// and of each child's, within scope, in one pass per table.
func (db *DB) RegistryCoverage(ctx context.Context, scope []string, node duban.Tenant, children []duban.Tenant, s duban.DualPreventionScope) ([]duban.Coverage, error) {
	depth := strings.Count(node.Path, ".") + 1
	byChild := map[string]*duban.Coverage{}
	total := &duban.Coverage{Tenant: node.Code, Name: node.Name}
	for _, c := range children {
		byChild[c.Code] = &duban.Coverage{Tenant: c.Code, Name: c.Name}
	}
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		for _, kind := range []string{duban.KindEnterprises, duban.KindProjects} {
			query, arg := q("enterprise_coverage"), any(s.MaxGrade)
			if kind == duban.KindProjects {
				query, arg = q("project_coverage"), s.MinContractCNY
			}
			rows, err := tx.Query(ctx, query, node.Path, depth, arg, s.Extension)
			if err != nil {
				return err
			}
			var child string
			var in, verified int
			_, err = pgx.ForEachRow(rows, []any{&child, &in, &verified}, func() error {
				targets := []*duban.Coverage{total}
				if c := byChild[child]; c != nil {
					targets = append(targets, c)
				}
				for _, t := range targets {
					if kind == duban.KindEnterprises {
						t.EnterprisesInScope += in
						t.EnterprisesVerified += verified
					} else {
						t.ProjectsInScope += in
						t.ProjectsVerified += verified
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, FormatError(err)
	}
	out := []duban.Coverage{*total}
	for _, c := range children {
		out = append(out, *byChild[c.Code])
	}
	for i := range out {
		out[i].Ratio()
	}
	return out, nil
}

// ProjectDangerousWork writes a dangerous work's snapshot if newer, with its
// event and audit (the workflow's projection).
func (db *DB) ProjectDangerousWork(ctx context.Context, scope []string, p duban.DangerousWorkProjection) error {
	w := p.Work
	doc, _ := json.Marshal(w)
	details, _ := json.Marshal(p.Details)
	return db.project(ctx, scope, projection{what: fmt.Sprintf("dangerous work %s v%d", w.ID, w.Version),
		snapshot: q("upsert_dangerous_work"), snapArgs: []any{w.ID, w.Project, w.Tenant, duban.LineStrings(w.Lines), w.Category, w.OverScale,
			len(w.Gates), w.NextDue, w.Overdue, w.EscalationLevel, doc, w.Version, w.UpdatedAt},
		event:     q("insert_registry_event"),
		eventArgs: []any{duban.KindDangerousWorks, w.ID, w.Version, w.Tenant, duban.LineStrings(w.Lines), w.UpdatedAt, p.Actor, p.Action, nullJSON(p.Details, details)},
		audit: Audit{Tenant: w.Tenant, Action: "dangerous_work." + p.Action, Target: "dangerous-work/" + w.ID, Actor: p.Actor, RequestID: p.RequestID,
			Summary: map[string]any{"version": w.Version, "gates_passed": len(w.Gates), "details": p.Details}},
	})
}

// GetDangerousWork returns a dangerous work within scope.
func (db *DB) GetDangerousWork(ctx context.Context, scope []string, id string) (*duban.DangerousWork, error) {
	w, _, err := one(ctx, db, scope, "dangerous work", q("get_dangerous_work"), id, scanDangerousWork, "")
	return w, err
}

// ListDangerousWorks returns dangerous works within scope ordered by id.
func (db *DB) ListDangerousWorks(ctx context.Context, scope []string, f duban.RegistryFilter) ([]duban.DangerousWork, int, error) {
	return page(ctx, db, scope, q("count_dangerous_works"), q("list_dangerous_works"),
		[]any{f.Within, f.Project, f.Kind, f.Overdue, f.InScope}, f.After, f.Limit, scanDangerousWork)
}
