package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
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
