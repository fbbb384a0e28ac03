package main

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/internal/load"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The volume of #16's size S, a province's year: 200 Henan campaigns and 20
// national ones (bulkAssignments), 50,000 hazards, 2,000 accidents, 300,000
// notifications and 1,000,000 audit events.
const (
	hazardsPerS       = 50000
	accidentsPerS     = 2000
	notificationsPerS = 300000
	auditPerS         = 1000000
)

// volume fills a system to a multiple of S, deterministically: what one
// seed and one size write is the same in every run.
type volume struct {
	db           *postgres.DB
	owner        *pgx.Conn
	dir          *duban.Directory
	henan, whole []string // Henan's cities and counties; the nation's tenants
	seed         uint64
	audit        bool // audit events too (DUBAN_BENCH_AUDIT=0: not)
	made         int  // the multiple of S written so far
}

// grow writes what takes the system from v.made×S to k×S.
func (v *volume) grow(ctx context.Context, k int, out io.Writer) error {
	for s := v.made; s < k; s++ {
		t0 := time.Now()
		rng := rand.New(rand.NewPCG(v.seed, uint64(s)))
		n, err := bulkAssignments(ctx, v.db, v.owner, v.dir, v.henan, v.whole, s, s+1)
		if err != nil {
			return err
		}
		if err := bulkHazards(ctx, v.owner, v.dir, v.henan, rng, s, hazardsPerS); err != nil {
			return err
		}
		if err := writeAccidents(ctx, v.db, v.dir, v.henan, rng, s, accidentsPerS); err != nil {
			return err
		}
		if err := bulkNotifications(ctx, v.owner, v.dir, v.henan, rng, s, notificationsPerS); err != nil {
			return err
		}
		if v.audit {
			if err := bulkAudit(ctx, v.owner, v.dir, append([]string{"41"}, v.henan...), auditPerS, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(s, 0, 0)); err != nil {
				return err
			}
		}
		if _, err := v.owner.Exec(ctx, `UPDATE bench_volume SET made = $1`, s+1); err != nil {
			return err
		}
		fmt.Fprintf(out, "  S #%d: %d assignments, %d hazards, %d accidents, %d notifications, audit %v, in %s\n", s+1, n, hazardsPerS, accidentsPerS,
			notificationsPerS, v.audit, time.Since(t0).Round(time.Millisecond))
	}
	v.made = k
	_, err := v.owner.Exec(ctx, `ANALYZE`)
	return err
}

// volumeMade is the multiple of S a kept database (DUBAN_BENCH_DATA) holds
// already, by the seed it was written with; 0 for a new one.
func volumeMade(ctx context.Context, owner *pgx.Conn, seed uint64) (int, error) {
	if _, err := owner.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_volume (seed bigint NOT NULL, made int NOT NULL)`); err != nil {
		return 0, err
	}
	var kept int64
	var made int
	err := owner.QueryRow(ctx, `SELECT seed, made FROM bench_volume`).Scan(&kept, &made)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = owner.Exec(ctx, `INSERT INTO bench_volume VALUES ($1, 0)`, int64(seed))
		return 0, err
	}
	if err == nil && uint64(kept) != seed {
		return 0, fmt.Errorf("the kept database was filled with seed %d, not %d", kept, seed)
	}
	return made, err
}

// yearStart is the first day of the s-th year of the volume.
func yearStart(s int) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(s, 0, 0) }

// genHazard is the i-th hazard of year s: reported across Henan's cities
// and counties over the year, one in ten major, most closed, some overdue or
// listed, a fifth in the emergency line.
func genHazard(dir *duban.Directory, henan []string, rng *rand.Rand, s, i int) duban.Hazard {
	tenant := henan[rng.IntN(len(henan))]
	at := yearStart(s).Add(time.Duration(rng.IntN(365*24)) * time.Hour)
	h := duban.Hazard{ID: fmt.Sprintf("hb%03d%06d", s, i), Tenant: tenant, Place: "某工地 " + strconv.Itoa(i), Description: "临边防护缺失",
		Grade: duban.HazardGeneral, FoundBy: "open", ResponsibleUnit: "某建设单位", Deadline: at.AddDate(0, 0, 15), State: duban.HazardClosed,
		ReportedBy: "bench", ReportedAt: at, Version: 3, UpdatedAt: at.AddDate(0, 0, 10)}
	if rng.IntN(10) == 0 {
		h.Grade = duban.HazardMajor
		h.Plan = &duban.RectificationPlan{Measures: "停工整改", FundsCNY: 100000, Deadline: h.Deadline.Format(time.DateOnly), ResponsiblePerson: "项目经理", EmergencyPlan: "专人值守"}
	}
	if rng.IntN(5) == 0 {
		h.Line = duban.LineEmergency
	} else if rng.IntN(3) == 0 { // found in one of the year's Henan campaigns
		h.Campaign = fmt.Sprintf("cb%03d%03d", s, rng.IntN(200))
	}
	switch r := rng.IntN(10); {
	case r < 2:
		h.State, h.Version, h.UpdatedAt = duban.HazardOpen, 1, at
		h.Overdue = r == 0
	case r < 3:
		rect := at.AddDate(0, 0, 7)
		h.State, h.Version, h.RectifiedBy, h.RectifiedAt, h.Rectification = duban.HazardRectified, 2, "bench", &rect, "已整改"
		due := rect.AddDate(0, 0, 5)
		h.ReinspectDue, h.UpdatedAt = &due, rect
	default:
		closed := at.AddDate(0, 0, 10)
		h.ClosedAt, h.VerifiedBy, h.Rectification = &closed, "bench", "已整改"
	}
	if h.Grade == duban.HazardMajor && rng.IntN(3) == 0 {
		h.Listed, h.ListedBy = true, "41"
	}
	return h
}

// bulkHazards writes n hazards of year s by COPY in the projection's shape
// (TestBulkRowsMatchWritePath).
func bulkHazards(ctx context.Context, owner *pgx.Conn, dir *duban.Directory, henan []string, rng *rand.Rand, s, n int) error {
	rows := make([][]any, 0, n)
	for i := range n {
		h := genHazard(dir, henan, rng, s, i)
		doc, _ := json.Marshal(h)
		var campaign any
		if h.Campaign != "" {
			campaign = h.Campaign
		}
		rows = append(rows, []any{h.ID, h.Tenant, ltreeBinary(dir.Get(h.Tenant).Path), campaign, string(h.Grade), string(h.State), h.Listed, h.Overdue || h.ReinspectOverdue,
			h.EscalationLevel, h.Deadline, h.ReinspectDue, h.ReportedBy, h.ReportedAt, h.ClosedAt, doc, h.Version, h.UpdatedAt})
	}
	_, err := owner.CopyFrom(ctx, pgx.Identifier{"hazards"}, []string{"id", "tenant", "tenant_path", "campaign_id", "grade", "state", "listed", "overdue",
		"escalation_level", "deadline", "reinspect_due", "reported_by", "reported_at", "closed_at", "doc", "version", "updated_at"}, pgx.CopyFromRows(rows))
	return err
}

// writeAccidents reports n accidents of year s through the projection (the
// write path itself: there are few).
func writeAccidents(ctx context.Context, db *postgres.DB, dir *duban.Directory, henan []string, rng *rand.Rand, s, n int) error {
	for i := range n {
		tenant := henan[rng.IntN(len(henan))]
		at := yearStart(s).Add(time.Duration(rng.IntN(365*24)) * time.Hour)
		f := duban.AccidentFigures{Deaths: rng.IntN(3), SeriousInjuries: rng.IntN(4), DirectLossCNY: int64(rng.IntN(500)) * 10000}
		a := duban.NewAccident(dir, fmt.Sprintf("ab%03d%05d", s, i), tenant, duban.AccidentProduction, "某地", "某事故", "bench", at, at.Add(40*time.Minute), f)
		if err := db.ProjectAccident(ctx, duban.SystemScope, duban.AccidentProjection{Accident: *a, Action: "report", Actor: "bench"}); err != nil {
			return err
		}
	}
	return nil
}

// genNotification is the i-th notice of year s: to a Henan tenant, about
// one of its assignments of that year (the campaign's lines come with it).
func genNotification(henan []string, rng *rand.Rand, s, i int) duban.NewNotification {
	ti := rng.IntN(len(henan))
	c := rng.IntN(200)
	id := fmt.Sprintf("cb%03d%03d", s, c)
	at := yearStart(s).Add(time.Duration(rng.IntN(365*24*60)) * time.Minute)
	return duban.NewNotification{DedupeKey: fmt.Sprintf("bench/%d/%d", s, i), Tenant: henan[ti], CampaignID: id, AssignmentID: duban.AssignmentID(id, henan[ti]),
		Kind: "reminder", Title: duban.Text{ZH: "任务即将到期", EN: "Task due soon"}, Body: map[string]any{"due": at.AddDate(0, 0, 3).Format(time.RFC3339)}, At: at}
}

// bulkNotifications writes n notices of year s by COPY, in creation order,
// in the shape InsertNotifications writes (TestBulkRowsMatchWritePath).
func bulkNotifications(ctx context.Context, owner *pgx.Conn, dir *duban.Directory, henan []string, rng *rand.Rand, s, n int) error {
	ns := make([]duban.NewNotification, n)
	for i := range n {
		ns[i] = genNotification(henan, rng, s, i)
	}
	rows := make([][]any, 0, n)
	for _, x := range sortedByAt(ns) {
		body, _ := json.Marshal(x.Body)
		rows = append(rows, []any{x.DedupeKey, x.Tenant, ltreeBinary(dir.Get(x.Tenant).Path), x.CampaignID, x.AssignmentID, x.Kind, x.Title.ZH, x.Title.EN, string(body), x.At})
	}
	_, err := owner.CopyFrom(ctx, pgx.Identifier{"notifications"}, []string{"dedupe_key", "tenant", "tenant_path", "campaign_id", "assignment_id", "kind",
		"title_zh", "title_en", "body", "created_at"}, pgx.CopyFromRows(rows))
	return err
}

func sortedByAt(ns []duban.NewNotification) []duban.NewNotification {
	out := append([]duban.NewNotification(nil), ns...)
	slices.SortStableFunc(out, func(a, b duban.NewNotification) int { return a.At.Compare(b.At) })
	return out
}

// benchVolume fills the system to each size of DUBAN_BENCH_SIZES (multiples
// of S; default "1,10") with DUBAN_BENCH_SEED (default 16) and measures at
// each the reads #16 names, each against the same SQL through bare pgx
// behind a bare net/http handler (the API's overhead) and the limit: the
// fastest query for the same answer from the same data, as the table owner
// (no row-level security, no total), behind the same bare handler.
func benchVolume(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	owner, err := pgx.Connect(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	defer owner.Close(ctx)
	ownerPool, err := pgxpool.New(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	defer ownerPool.Close()
	seed, err := strconv.ParseUint(envString("DUBAN_BENCH_SEED", "16"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("DUBAN_BENCH_SEED: %w", err)
	}
	v := &volume{db: b.app.DB, owner: owner, dir: b.app.Dir, henan: subtree(b.app.Dir, "41")[1:], whole: subtree(b.app.Dir, duban.RootCode)[1:],
		seed: seed, audit: envString("DUBAN_BENCH_AUDIT", "1") != "0"}
	if v.made, err = volumeMade(ctx, owner, seed); err != nil {
		return nil, err
	}
	for _, sz := range strings.Split(envString("DUBAN_BENCH_SIZES", "1,10"), ",") {
		k, err := strconv.Atoi(strings.TrimSpace(sz))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("DUBAN_BENCH_SIZES: %q is not a multiple of S", sz)
		}
		if k < v.made {
			return nil, fmt.Errorf("DUBAN_BENCH_SIZES: %d×S, but the kept database holds %d×S already", k, v.made)
		}
		t0 := time.Now()
		if err := v.grow(ctx, k, out); err != nil {
			return nil, err
		}
		counts := map[string]int{}
		for _, t := range []string{"assignments", "hazards", "accidents", "notifications", "audit_events"} {
			var n int
			if err := owner.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
				return nil, err
			}
			counts[t] = n
		}
		fmt.Fprintf(out, "size %d×S in %s: %v\n", k, time.Since(t0).Round(time.Second), counts)
		if os.Getenv("DUBAN_BENCH_READS") == "0" {
			continue
		}
		r, err := volumeReads(ctx, b, ownerPool, k)
		if err != nil {
			return nil, err
		}
		for _, x := range r { // as each size is done: a 10×S run takes a while
			fmt.Fprintln(out, x)
		}
	}
	return nil, nil
}

// volumeRead is one read: the API's request, the same call on the store
// behind a bare handler, and the limit's query.
type volumeRead struct {
	name, login, method, path string
	bare                      func(ctx context.Context) (any, error)
	limitSQL                  string
	limitArgs                 []any
}

func volumeReads(ctx context.Context, b *benchStack, owner *pgxpool.Pool, k int) ([]BenchResult, error) {
	var ps [4]*duban.Principal
	for i, login := range []string{"zhongmu-staff", "henan-planner", "nation-planner", "zhengzhou-reviewer"} {
		p, err := b.app.DB.Principal(ctx, login)
		if err != nil {
			return nil, fmt.Errorf("principal %s: %w", login, err)
		}
		ps[i] = p
	}
	zmStaff, hnPlanner, nationPlanner, zzReviewer := ps[0], ps[1], ps[2], ps[3]
	zzScope := b.app.Authz.Scope(zzReviewer, "assignment.read")
	zmScope := b.app.Authz.Scope(zmStaff, "assignment.read")
	hnScope := b.app.Authz.Scope(hnPlanner, "assignment.read")
	hzScope := b.app.Authz.Scope(hnPlanner, "hazard.read")
	cpScope := b.app.Authz.Scope(hnPlanner, "campaign.read")
	npScope := b.app.Authz.Scope(nationPlanner, "campaign.read")
	inboxTenants, inboxPaths := api.Inboxes(zmStaff)
	hn, last := b.app.Dir.Get("41"), k-1
	// the deep page starts in the middle of the province's years; the
	// campaigns measured are of the last year, the one being worked on
	deep := fmt.Sprintf("cb%03d100.", k/2)
	henanCampaign, nationCampaign := fmt.Sprintf("cb%03d007", last), fmt.Sprintf("cb%03d203", last)
	supervised := func(code string) []duban.Tenant {
		var ts []duban.Tenant
		for _, c := range b.app.Dir.Supervised(code) {
			ts = append(ts, *b.app.Dir.Get(c))
		}
		return ts
	}
	asOf := yearStart(last).AddDate(0, 6, 0)
	// a circular's period is a date a user types, at most in calendar.MaxYear:
	// beyond 75×S (year 2101 on) it is of the last year that allows it
	cy := min(last, calendar.MaxYear-yearStart(0).Year())
	circCampaign, circAsOf := fmt.Sprintf("cb%03d007", cy), yearStart(cy).AddDate(0, 6, 0)
	progressLimit := `SELECT t.code, count(*), count(*) FILTER (WHERE a.state = 'submitted'), count(*) FILTER (WHERE a.state IN ('approved', 'signed_off')),
		count(*) FILTER (WHERE a.overdue), count(*) FILTER (WHERE a.first_submitted_at <= a.due_at)
		FROM assignments a JOIN tenants t ON a.tenant_path <@ t.path AND t.supervisor = $2 WHERE a.campaign_id = $1 GROUP BY t.code`
	reads := []volumeRead{
		{"county inbox (mine=true, by due)", "zhongmu-staff", "GET", "/v1/assignments?mine=true&limit=50",
			func(ctx context.Context) (any, error) {
				items, total, err := b.app.DB.ListAssignments(ctx, zmScope, duban.AssignmentFilter{Tenants: []string{"410122"}, ByDue: true, Limit: 50})
				return map[string]any{"items": items, "total": total}, err
			}, `SELECT ` + assignmentCols + ` FROM assignments WHERE tenant = $1 ORDER BY due_at, id LIMIT 50`, []any{"410122"}},
		{"review queue (a city reviewer, state=submitted, by due)", "zhengzhou-reviewer", "GET", "/v1/assignments?state=submitted&limit=50",
			func(ctx context.Context) (any, error) {
				items, total, err := b.app.DB.ListAssignments(ctx, zzScope, duban.AssignmentFilter{State: "submitted", Within: "4101", ByDue: true, Limit: 50}) // as the API narrows it (one binding)
				return map[string]any{"items": items, "total": total}, err
			}, `SELECT ` + assignmentCols + ` FROM assignments WHERE state = 'submitted' AND tenant_path <@ $1::text::ltree ORDER BY due_at, id LIMIT 50`,
			[]any{b.app.Dir.Get("4101").Path}},
		{"province first page (tenant=41)", "henan-planner", "GET", "/v1/assignments?tenant=41&limit=50",
			func(ctx context.Context) (any, error) {
				items, total, err := b.app.DB.ListAssignments(ctx, hnScope, duban.AssignmentFilter{Within: "41", Limit: 50})
				return map[string]any{"items": items, "total": total}, err
			}, `SELECT ` + assignmentCols + ` FROM assignments WHERE tenant_path <@ $1::text::ltree ORDER BY id LIMIT 50`, []any{hn.Path}},
		{"province deep page (tenant=41, by cursor)", "henan-planner", "GET", "/v1/assignments?tenant=41&limit=50&cursor=" + base64.RawURLEncoding.EncodeToString([]byte(deep)),
			func(ctx context.Context) (any, error) {
				items, total, err := b.app.DB.ListAssignments(ctx, hnScope, duban.AssignmentFilter{Within: "41", After: deep, Limit: 50})
				return map[string]any{"items": items, "total": total}, err
			}, `SELECT ` + assignmentCols + ` FROM assignments WHERE tenant_path <@ $1::text::ltree AND id > $2 ORDER BY id LIMIT 50`, []any{hn.Path, deep}},
		{"list-hazards (tenant=41, state=open, grade=major)", "henan-planner", "GET", "/v1/hazards?tenant=41&state=open&grade=major&limit=50",
			func(ctx context.Context) (any, error) {
				items, total, err := b.app.DB.ListHazards(ctx, hzScope, duban.HazardFilter{Within: "41", State: "open", Grade: "major", Limit: 50})
				return map[string]any{"items": items, "total": total}, err
			}, `SELECT doc, tenant_path::text FROM hazards WHERE tenant_path <@ $1::text::ltree AND state = 'open' AND grade = 'major' ORDER BY id LIMIT 50`, []any{hn.Path}},
		{"list-notifications (county clerk)", "zhongmu-staff", "GET", "/v1/notifications?limit=50",
			func(ctx context.Context) (any, error) {
				items, total, err := b.app.DB.ListNotifications(ctx, inboxPaths, duban.NotificationFilter{Login: "zhongmu-staff", Tenants: inboxTenants, Limit: 50})
				return map[string]any{"items": items, "total": total}, err
			}, `SELECT n.id, n.tenant, n.campaign_id, n.assignment_id, n.kind, n.title_zh, n.title_en, n.body, n.created_at, r.login IS NOT NULL AS read
				FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.login = $2
				WHERE n.tenant = $1 ORDER BY n.id DESC LIMIT 50`, []any{"410122", "zhongmu-staff"}}, // the page the API returns: each notice with whether the reader read it
		{"campaign progress, province (a Henan campaign)", "henan-planner", "GET", "/v1/campaigns/" + henanCampaign + "/progress",
			func(ctx context.Context) (any, error) {
				return b.app.DB.CampaignProgress(ctx, cpScope, henanCampaign, duban.LevelCounty, append([]duban.Tenant{*hn}, supervised("41")...), asOf)
			}, progressLimit, []any{henanCampaign, "41"}},
		{"campaign progress, nation (a national campaign)", "nation-planner", "GET", "/v1/campaigns/" + nationCampaign + "/progress",
			func(ctx context.Context) (any, error) {
				return b.app.DB.CampaignProgress(ctx, npScope, nationCampaign, duban.LevelCounty, append([]duban.Tenant{*b.app.Dir.Get(duban.RootCode)}, supervised(duban.RootCode)...), asOf)
			}, progressLimit, []any{nationCampaign, duban.RootCode}},
		{"generate-circular (a Henan campaign, the province's cities and counties)", "henan-planner", "POST", "/v1/campaigns/" + circCampaign + "/circulars",
			func(ctx context.Context) (any, error) {
				nodes := supervised("41")
				if _, err := b.app.DB.CampaignProgress(ctx, cpScope, circCampaign, duban.LevelCounty, nodes, circAsOf); err != nil {
					return nil, err
				}
				paths := make([]string, len(nodes))
				for i, n := range nodes {
					paths[i] = n.Path
				}
				if _, err := b.app.DB.HazardsClosed(ctx, cpScope, circCampaign, paths, yearStart(cy), circAsOf); err != nil {
					return nil, err
				}
				return b.app.DB.ListedItems(ctx, cpScope, circCampaign, hn.Path)
			}, progressLimit, []any{circCampaign, "41"}},
	}
	circularBody := map[string]any{"period_from": yearStart(cy).Format(time.DateOnly), "period_to": circAsOf.AddDate(0, 0, -1).Format(time.DateOnly)}
	size := fmt.Sprintf("%d×S", k)
	var res []BenchResult
	for _, rd := range reads {
		tok := b.token(rd.login)
		var body any
		if rd.method == "POST" {
			body = circularBody
		}
		bare := jsonServer(func(ctx context.Context) (any, error) { return rd.bare(ctx) })
		limit := jsonServer(func(ctx context.Context) (any, error) {
			rows, err := owner.Query(ctx, rd.limitSQL, rd.limitArgs...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowToMap)
		})
		runs := loadInterleaved(ctx, 9*time.Second,
			func(c *http.Client) (int, error) {
				st, err := load.DoStatus(ctx, c, tok, rd.method, b.srv.URL+rd.path, body)
				if st == http.StatusCreated {
					st = http.StatusOK
				}
				return st, err
			},
			func(c *http.Client) (int, error) { return load.DoStatus(ctx, c, "", "GET", bare.URL, nil) },
			func(c *http.Client) (int, error) { return load.DoStatus(ctx, c, "", "GET", limit.URL, nil) })
		bare.Close()
		limit.Close()
		apiRun, bareRun, limitRun := runs[0], runs[1], runs[2]
		if apiRun.bad+bareRun.bad+limitRun.bad > 0 {
			return nil, fmt.Errorf("%s: %d failed reads (API %d, bare %d, limit %d; the first: %s)", rd.name, apiRun.bad+bareRun.bad+limitRun.bad,
				apiRun.bad, bareRun.bad, limitRun.bad, cmp.Or(apiRun.firstBad, bareRun.firstBad, limitRun.firstBad))
		}
		res = append(res,
			BenchResult{Name: size + ", " + rd.name + ": p50", Value: ms(apiRun.p50), Baseline: ms(bareRun.p50), Unit: "ms", Note: "baseline: the same SQL through bare pgx"},
			BenchResult{Name: size + ", " + rd.name + ": p50 against the limit", Value: ms(apiRun.p50), Baseline: ms(limitRun.p50), Unit: "ms", Note: "the limit: the fastest query, as the owner, same bare handler"})
	}
	return res, nil
}

// jsonServer serves fn's answer as JSON behind a bare net/http handler.
func jsonServer(fn func(ctx context.Context) (any, error)) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(r.Context())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}))
}
