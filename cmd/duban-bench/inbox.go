package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/load"
	"github.com/jackc/pgx/v5"
)

// benchInbox measures a county clerk's inbox (list-assignments?mine=true:
// its own tasks, soonest due first) and a province's first page of
// list-assignments as the assignments pile up: #16's size S — a province's
// year, 200 campaigns over Henan (one assignment for each of its 199
// tenants) and 20 national campaigns (one for each of the nation's tenants),
// about 106,000 assignments — then 10×S in the same run (DUBAN_BENCH_INBOX_SIZES,
// e.g. "1,10,100"). The rows are written in bulk (identical to the write
// path's: TestBulkAssignmentsReadBack). Each read is measured against the
// same SQL through bare pgx (the API's overhead) and the limit: the same page
// read by the table owner by its index (no row-level security, no total).
func benchInbox(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	owner, err := pgx.Connect(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	defer owner.Close(ctx)
	henan := subtree(b.app.Dir, "41")[1:] // the cities and counties
	nation := subtree(b.app.Dir, duban.RootCode)[1:]
	sizes := strings.Split(envString("DUBAN_BENCH_INBOX_SIZES", "1,10"), ",")
	var res []BenchResult
	made := 0
	for _, sz := range sizes {
		k, err := strconv.Atoi(strings.TrimSpace(sz))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("DUBAN_BENCH_INBOX_SIZES: %q is not a multiple of S", sz)
		}
		t0 := time.Now()
		n, err := bulkAssignments(ctx, b.app.DB, owner, b.app.Dir, henan, nation, made, k)
		if err != nil {
			return nil, err
		}
		made = k
		var total int
		if err := owner.QueryRow(ctx, `SELECT count(*) FROM assignments`).Scan(&total); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "size %d×S: %d assignments added in %s (%d in all)\n", k, n, time.Since(t0).Round(time.Millisecond), total)
		if os.Getenv("DUBAN_BENCH_READS") == "0" {
			continue
		}
		r, err := inboxReads(ctx, b, owner, fmt.Sprintf("%d×S (%d assignments)", k, total))
		if err != nil {
			return nil, err
		}
		res = append(res, r...)
	}
	return res, nil
}

// inboxReads measures the reads at one size.
func inboxReads(ctx context.Context, b *benchStack, owner *pgx.Conn, size string) ([]BenchResult, error) {
	type read struct {
		name, login, path string
		filter            duban.AssignmentFilter
		scope             []string
		limitSQL          string
		limitArgs         []any
	}
	zm, hn := b.app.Dir.Get("410122"), b.app.Dir.Get("41")
	reads := []read{
		{"county inbox (mine=true, by due)", "zhongmu-staff", "/v1/assignments?mine=true&limit=50",
			duban.AssignmentFilter{Tenants: []string{"410122"}, ByDue: true, Limit: 50}, []string{zm.Path},
			`SELECT ` + assignmentCols + ` FROM assignments WHERE tenant = $1 ORDER BY due_at, id LIMIT 50`, []any{"410122"}},
		{"county inbox (mine=true, order=id: before #16)", "zhongmu-staff", "/v1/assignments?mine=true&order=id&limit=50",
			duban.AssignmentFilter{Tenants: []string{"410122"}, Limit: 50}, []string{zm.Path},
			`SELECT ` + assignmentCols + ` FROM assignments WHERE tenant = $1 ORDER BY id LIMIT 50`, []any{"410122"}},
		{"province first page (tenant=41)", "henan-planner", "/v1/assignments?tenant=41&limit=50",
			duban.AssignmentFilter{Within: "41", Limit: 50}, []string{hn.Path},
			`SELECT ` + assignmentCols + ` FROM assignments WHERE tenant_path <@ $1::text::ltree ORDER BY id LIMIT 50`, []any{hn.Path}},
	}
	var res []BenchResult
	for _, rd := range reads {
		bare := b.bareAssignments(rd.scope, rd.filter)
		tok := b.token(rd.login)
		api := loadRun(ctx, 1, 3*time.Second, func(c *http.Client) (int, error) {
			return load.DoStatus(ctx, c, tok, "GET", b.srv.URL+rd.path, nil)
		})
		base := loadRun(ctx, 1, 3*time.Second, func(c *http.Client) (int, error) { return load.DoStatus(ctx, c, "", "GET", bare.URL, nil) })
		bare.Close()
		var lat []time.Duration
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
			t0 := time.Now()
			rows, err := owner.Query(ctx, rd.limitSQL, rd.limitArgs...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
			}
			rows.Close()
			lat = append(lat, time.Since(t0))
		}
		limit := load.Percentile(lat, 50)
		if api.bad > 0 || base.bad > 0 {
			return nil, fmt.Errorf("%s: %d failed reads", rd.name, api.bad+base.bad)
		}
		res = append(res,
			BenchResult{Name: size + ", " + rd.name + ": p50", Value: ms(api.p50), Baseline: ms(base.p50), Unit: "ms", Note: "baseline: the same SQL through bare pgx"},
			BenchResult{Name: size + ", " + rd.name + ": p50 against the limit", Value: ms(api.p50), Baseline: ms(limit), Unit: "ms",
				Note: fmt.Sprintf("the limit: %.2f ms (the page by its index, as the owner)", ms(limit))})
	}
	return res, nil
}

// bulkAssignments adds the campaigns and assignments of sizes from×S to
// to×S: per S, 200 Henan campaigns with an assignment for each of henan and
// 20 national campaigns with one for each of nation, due over the year,
// a third of them submitted. Campaigns go through the store; assignments by
// COPY in the projection's own shape.
func bulkAssignments(ctx context.Context, db interface {
	InsertCampaign(context.Context, []string, *duban.Campaign) error
}, conn *pgx.Conn, dir *duban.Directory, henan, nation []string, from, to int) (int, error) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for s := from; s < to; s++ {
		var rows [][]any
		for c := range 220 {
			scope, tenants, title := "41", henan, fmt.Sprintf("省级专项 %d-%d", s, c)
			if c >= 200 {
				scope, tenants, title = duban.RootCode, nation, fmt.Sprintf("全国专项 %d-%d", s, c)
			}
			id := fmt.Sprintf("cb%03d%03d", s, c)
			due := start.Add(time.Duration((s*220+c)*7919%365) * 24 * time.Hour)
			camp := &duban.Campaign{ID: id, Template: "generic", Title: title, Scope: scope, Levels: []duban.Level{duban.LevelCity, duban.LevelCounty},
				Phases: []duban.PhaseDeadline{{ID: "main", Due: due}}, CreatedBy: "bench", CreatedAt: start}
			if err := db.InsertCampaign(ctx, duban.SystemScope, camp); err != nil {
				return n, err
			}
			for i, t := range tenants {
				tn := dir.Get(t)
				state, submitted := duban.StateAssigned, any(nil)
				if (i+c)%3 == 0 {
					state, submitted = duban.StateSubmitted, due.Add(-24*time.Hour)
				}
				rows = append(rows, []any{duban.AssignmentID(id, t), id, t, ltreeBinary(tn.Path), string(tn.Level), "main", title + " · 任务", tn.Supervisor, tn.Supervisor,
					string(state), due.Add(time.Duration(i%24) * time.Hour), false, 0, "", submitted, submitted, int64(1), start})
			}
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"assignments"}, []string{"id", "campaign_id", "tenant", "tenant_path", "level", "phase", "title",
			"reviewer_tenant", "signer_tenant", "state", "due_at", "overdue", "escalation_level", "comment", "submitted_at", "first_submitted_at", "version", "updated_at"},
			pgx.CopyFromRows(rows)); err != nil {
			return n, err
		}
		n += len(rows)
	}
	_, err := conn.Exec(ctx, `ANALYZE assignments, campaigns`)
	return n, err
}

func envString(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// assignmentCols are the columns the store's list of assignments reads: the
// limit baselines read the same.
const assignmentCols = `id, campaign_id, tenant, tenant_path::text, level, phase, title, reviewer_tenant, signer_tenant, coalesce(parent_id, ''),
	state, due_at, overdue, escalation_level, draft, report, comment, submitted_at, first_submitted_at, approved_at, signed_off_at, version, updated_at, lines, original_due`
