package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/duban/duban/division"
)

// FuzzLaunchRequest: any launch body either validates into a campaign whose
// targets lie in the scope, below it, with future ordered deadlines, or is
// refused with a 422 that names a field — never a panic.
func FuzzLaunchRequest(f *testing.F) {
	ts, err := division.Tenants()
	if err != nil {
		f.Fatal(err)
	}
	dir := duban.NewDirectory(ts)
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
		var req api.LaunchRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		c, err := api.ValidateLaunch(dir, req, now)
		if err != nil {
			se, ok := err.(huma.StatusError)
			if !ok || se.GetStatus() != 422 {
				t.Fatalf("want a 422, got %v", err)
			}
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
