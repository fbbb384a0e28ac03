package duban_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/division"
)

// FuzzLaunchRequest: any launch body either validates into a campaign whose
// targets lie in the scope, below it, with future ordered deadlines, or is
// refused with a 422 that names a field — never a panic.
func FuzzLaunchRequest(f *testing.F) {
	dir := fuzzDirectory(f)
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	for _, seed := range []string{
		`{"template":"generic","title":"督办","scope":"41","levels":["city","county"]}`,
		`{"template":"generic","title":"x","scope":"41","targets":["4101","410225"],"phases":{"main":"2027-01-31"}}`,
		`{"template":"generic","title":"x","scope":"000000","levels":["province"],"phases":{"main":"2027-01-31T12:00:00+08:00"}}`,
		`{"template":"generic","title":"x","scope":"4101","levels":["county","county"]}`,
		`{"template":"nope","title":"","scope":"99","levels":["town"],"phases":{"main":"yesterday"},"targets":["42"]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req duban.LaunchRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		c, err := req.Validate(dir, now)
		if err != nil {
			require422(t, err)
			return
		}
		scope := dir.Get(c.Scope)
		for _, l := range c.Levels {
			if l.Rank() <= scope.Level.Rank() {
				t.Fatalf("level %s not below scope %s", l, scope.Level)
			}
		}
		for _, tg := range c.Targets {
			if !dir.Within(tg, c.Scope) || tg == c.Scope {
				t.Fatalf("target %s outside scope %s", tg, c.Scope)
			}
		}
		for i, p := range c.Phases {
			if !p.Due.After(now) || (i > 0 && !p.Due.After(c.Phases[i-1].Due)) {
				t.Fatalf("bad deadlines %+v", c.Phases)
			}
		}
	})
}

// FuzzHazardRequest: any report-hazard body is either a 422 naming a field
// or a hazard whose tenant, grade, kind and deadline are sound, listed with
// its province exactly when major.
func FuzzHazardRequest(f *testing.F) {
	dir := fuzzDirectory(f)
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	for _, seed := range []string{
		`{"tenant":"410122","place":"某工地","description":"深基坑","grade":"major","found_by":"covert","responsible_unit":"某公司","deadline":"2026-12-31"}`,
		`{"tenant":"4101","place":"x","description":"x","grade":"general","found_by":"open","responsible_unit":"x","deadline":"2027-01-01T00:00:00+08:00","photos":["att_abcd"]}`,
		`{"tenant":"41","place":"x","description":"x","grade":"major","found_by":"cross_region","responsible_unit":"x","deadline":"2026-12-01","plan":{"measures":"m","funds_cny":1,"deadline":"2026-12-01","responsible_person":"p","emergency_plan":"e"}}`,
		`{"tenant":"000000","place":" ","description":"","grade":"huge","found_by":"rumour","deadline":"2020-01-01","photos":["http://x"],"plan":{"deadline":"soon"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req duban.HazardRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		h, err := req.Validate(dir, now)
		if err != nil {
			require422(t, err)
			return
		}
		tn := dir.Get(h.Tenant)
		if tn == nil || tn.Code == duban.RootCode {
			t.Fatalf("tenant %q accepted", h.Tenant)
		}
		if !h.Deadline.After(now) || h.Deadline.After(now.AddDate(2, 0, 0)) {
			t.Fatalf("deadline %s accepted", h.Deadline)
		}
		if (h.Grade == duban.HazardMajor) != h.Listed || (h.Grade != duban.HazardMajor && h.Grade != duban.HazardGeneral) {
			t.Fatalf("grade %q listed %v", h.Grade, h.Listed)
		}
		if h.Listed && (dir.Get(h.ListedBy) == nil || dir.Get(h.ListedBy).Level != duban.LevelProvince || !dir.Within(h.Tenant, h.ListedBy)) {
			t.Fatalf("listed by %q for %s", h.ListedBy, h.Tenant)
		}
		for _, p := range h.Photos {
			if !duban.ValidAttachment(p) {
				t.Fatalf("photo %q accepted", p)
			}
		}
	})
}

// FuzzAccidentRequest: any report-accident body is either a 422 or an
// accident graded by the regulation, routed up its supervision chain, with
// the first report late exactly past one hour and the next forward pending
// exactly when the grade requires a higher level.
func FuzzAccidentRequest(f *testing.F) {
	dir := fuzzDirectory(f)
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	for _, seed := range []string{
		`{"tenant":"410122","occurred_at":"2026-11-28T15:20:00+08:00","place":"某工地","summary":"坍塌","deaths":3,"serious_injuries":0,"direct_loss_cny":0}`,
		`{"tenant":"410225","occurred_at":"2026-11-28T06:00:00Z","place":"x","summary":"x","deaths":0,"serious_injuries":50,"direct_loss_cny":0,"category":"fire"}`,
		`{"tenant":"4101","occurred_at":"2026-11-27T08:00:00Z","place":"x","summary":"x","deaths":30,"serious_injuries":0,"direct_loss_cny":100000000,"category":"road_traffic"}`,
		`{"tenant":"99","occurred_at":"tomorrow","place":"","summary":" ","deaths":-1,"serious_injuries":1000000,"direct_loss_cny":-5,"category":"flood"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req duban.AccidentRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		a, err := req.Validate(dir, now)
		if err != nil {
			require422(t, err)
			return
		}
		if a.Grade != duban.GradeAccident(a.Deaths, a.SeriousInjuries, a.DirectLossCNY) || a.RequiredLevel != a.Grade.RequiredLevel() {
			t.Fatalf("grade %s / %s for %+v", a.Grade, a.RequiredLevel, a.AccidentFigures)
		}
		if a.Deaths < 0 || a.SeriousInjuries < 0 || a.DirectLossCNY < 0 || a.OccurredAt.After(now) {
			t.Fatalf("figures or time accepted: %+v %s", a.AccidentFigures, a.OccurredAt)
		}
		if len(a.Route) == 0 || a.Route[0].Tenant != a.Tenant || a.Route[len(a.Route)-1].Tenant != duban.RootCode {
			t.Fatalf("route %v", a.Route)
		}
		if a.Steps[0].Late != now.After(a.OccurredAt.Add(duban.ReportWithin)) {
			t.Fatalf("first report late=%v, occurred %s", a.Steps[0].Late, a.OccurredAt)
		}
		needs := dir.Get(a.Tenant).Level.Rank() > a.RequiredLevel.Rank()
		if p := a.Pending(); needs != (p != nil) || a.Complete == needs {
			t.Fatalf("pending %v complete %v for %s at %s", p, a.Complete, a.Grade, a.Tenant)
		} else if p != nil && (p.To != a.Route[1].Tenant || !p.DueAt.Equal(now.Add(duban.ForwardWithin))) {
			t.Fatalf("pending step %+v", p)
		}
	})
}

func fuzzDirectory(f *testing.F) *duban.Directory {
	ts, err := division.Tenants()
	if err != nil {
		f.Fatal(err)
	}
	return duban.NewDirectory(ts)
}

func require422(t *testing.T, err error) {
	var e *duban.Error
	if !errors.As(err, &e) || e.Code != duban.EInvalid || len(e.Fields) == 0 {
		t.Fatalf("want a validation error naming a field, got %v", err)
	}
}
