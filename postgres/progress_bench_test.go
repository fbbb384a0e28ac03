package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// BenchmarkCampaignProgress: the progress of a Henan campaign (181 county
// reports) at the province and its 36 directly supervised tenants, with the
// report totals rolled up, against counts only as the baseline.
//
//	go test -run '^$' -bench CampaignProgress ./postgres
func BenchmarkCampaignProgress(b *testing.B) {
	db, _ := testenv.OpenStore(b)
	ctx := context.Background()
	tenants, err := db.AllTenants(ctx)
	if err != nil {
		b.Fatal(err)
	}
	dir := duban.NewDirectory(tenants)
	now := time.Now().UTC().Truncate(time.Microsecond)
	tpl := duban.TemplateByID("house-survey")
	c := &duban.Campaign{ID: "cbench", Template: tpl.ID, Title: "t", Scope: "41", Levels: []duban.Level{duban.LevelCounty},
		Phases: []duban.PhaseDeadline{{ID: "audit", Due: now.Add(time.Hour)}}, CreatedBy: "x", CreatedAt: now}
	if err := db.InsertCampaign(ctx, duban.SystemScope, c); err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, t := range tenants {
		if t.Level != duban.LevelCounty || !dir.Within(t.Code, "41") {
			continue
		}
		n++
		a := duban.Assignment{ID: duban.AssignmentID(c.ID, t.Code), CampaignID: c.ID, Tenant: t.Code, Level: duban.LevelCounty, Phase: "audit",
			Title: "t", ReviewerTenant: t.Supervisor, SignerTenant: "41", State: duban.StateSubmitted, DueAt: now.Add(time.Hour),
			Report: tpl.Tasks[duban.LevelCounty].Form.SampleReport(n), Version: 1, UpdatedAt: now}
		if err := db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a, Event: duban.AssignmentEvent{Version: 1, At: now, Actor: "x", Action: "submit", To: "submitted"}}); err != nil {
			b.Fatal(err)
		}
	}
	nodes := []duban.Tenant{*dir.Get("41")}
	for _, code := range dir.Supervised("41") {
		nodes = append(nodes, *dir.Get(code))
	}
	for _, bc := range []struct {
		name   string
		lowest duban.Level
	}{{"counts-only", ""}, {"with-totals", duban.LevelCounty}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := db.CampaignProgress(ctx, duban.SystemScope, c.ID, bc.lowest, nodes, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProjectInProvince: new assignments projected one at a time, and
// from eight goroutines at once, each at one of Henan's counties, every one
// adding to the same province row of the province's totals (migration 017:
// the worst case for its waiting), against the same with the province's
// totals not kept (the trigger function as migration 014 wrote it) as the
// baseline.
//
//	go test -run '^$' -bench ProjectInProvince -benchtime 2000x ./postgres
func BenchmarkProjectInProvince(b *testing.B) {
	db, d := testenv.OpenStore(b)
	ctx := context.Background()
	tenants, err := db.AllTenants(ctx)
	if err != nil {
		b.Fatal(err)
	}
	dir := duban.NewDirectory(tenants)
	var counties []duban.Tenant
	for _, t := range tenants {
		if t.Level == duban.LevelCounty && dir.Within(t.Code, "41") {
			counties = append(counties, t)
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	owner, err := pgx.Connect(ctx, d.AdminURL)
	if err != nil {
		b.Fatal(err)
	}
	defer owner.Close(ctx)
	// the tenants' totals' trigger function as migration 014 wrote it (the
	// baseline) and as 017 does (the province's too), from the migrations
	fn := func(migration string) string {
		raw, err := os.ReadFile(filepath.Join("migration", migration))
		if err != nil {
			b.Fatal(err)
		}
		m := regexp.MustCompile(`(?s)CREATE (?:OR REPLACE )?FUNCTION duban_assignment_totals\(\).*?END \$\$;`).Find(raw)
		if m == nil {
			b.Fatalf("%s: no duban_assignment_totals", migration)
		}
		return strings.Replace(string(m), "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
	}
	without, with := fn("014_flat_reads.up.sql"), fn("017_province_totals.up.sql")
	var seq atomic.Int64
	for _, bc := range []struct {
		name, function string
		parallelism    int
	}{{"1-writer/without-province-totals", without, 0}, {"1-writer/with-province-totals", with, 0},
		{"8-writers/without-province-totals", without, 4}, {"8-writers/with-province-totals", with, 4}} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := owner.Exec(ctx, bc.function); err != nil {
				b.Fatal(err)
			}
			// a campaign has one assignment a tenant: a campaign for each round of the counties
			run := seq.Add(1)
			for k := 0; k <= b.N/len(counties); k++ {
				if err := db.InsertCampaign(ctx, duban.SystemScope, &duban.Campaign{ID: fmt.Sprintf("cproj%d-%d", run, k), Template: "generic", Title: "t", Scope: "41",
					Levels: []duban.Level{duban.LevelCounty}, Phases: []duban.PhaseDeadline{{ID: "main", Due: now.Add(time.Hour)}}, CreatedBy: "x", CreatedAt: now}); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			b.ResetTimer()
			write := func(more func() bool) {
				for more() {
					i := int(next.Add(1) - 1)
					t, cid := counties[i%len(counties)], fmt.Sprintf("cproj%d-%d", run, i/len(counties))
					a := duban.Assignment{ID: duban.AssignmentID(cid, t.Code), CampaignID: cid, Tenant: t.Code, Level: duban.LevelCounty, Phase: "main",
						Title: "t", ReviewerTenant: t.Supervisor, SignerTenant: "41", State: duban.StateAssigned, DueAt: now.Add(time.Hour), Version: 1, UpdatedAt: now}
					if err := db.ProjectAssignment(ctx, duban.AssignmentProjection{Assignment: a,
						Event: duban.AssignmentEvent{Version: 1, At: now, Actor: "x", Action: "assign", To: "assigned"}}); err != nil {
						b.Error(err)
						return
					}
				}
			}
			if bc.parallelism == 0 {
				i := 0
				write(func() bool { i++; return i <= b.N })
				return
			}
			b.SetParallelism(bc.parallelism) // 4 × GOMAXPROCS (2 here) = 8 writers
			b.RunParallel(func(pb *testing.PB) { write(pb.Next) })
		})
	}
}
