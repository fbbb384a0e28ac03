package e2e

// Concurrency and many processes: one Idempotency-Key sent at once, a
// mixed load from many personas, two API instances on one database.

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/load"
	"github.com/stretchr/testify/require"
)

// concurrently sends n requests at once and returns their answers in order.
func concurrently(n int, send func(i int) resp) []resp {
	out := make([]resp, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = send(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestIdempotencyUnderConcurrency: one Idempotency-Key sent by several
// requests at once is claimed by exactly one of them. The same body always
// gets the winner's answer and creates one object; a different body is
// always 422 and never changes what the winner created.
func TestIdempotencyUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	const n = 4
	for trial := range 3 {
		key := fmt.Sprintf("launch-%d", trial)
		body := map[string]any{"template": "generic", "title": "并发幂等 " + key, "scope": "41", "levels": []string{"county"}, "targets": []string{"410122"}}
		rs := concurrently(n, func(int) resp { return s.call("henan-planner", "POST", "/v1/campaigns", body, "Idempotency-Key", key) })
		ids := map[any]bool{}
		for _, r := range rs {
			require.Equal(t, 201, r.Status, string(r.Raw))
			ids[r.Body["id"]] = true
		}
		require.Len(t, ids, 1, "one campaign for one key")
		require.Equal(t, 1, s.countRows(`SELECT count(*) FROM campaigns WHERE title = '并发幂等 `+key+`'`))
	}

	// the same key with three different bodies: a general accident and a
	// major one must never be merged, whichever wins
	for trial := range 3 {
		key := fmt.Sprintf("accident-%d", trial)
		deaths := []int{0, 12, 40}
		bodies := make([]map[string]any, len(deaths))
		for i, d := range deaths {
			bodies[i] = accidentBody("410122", d)
		}
		rs := concurrently(len(deaths), func(i int) resp {
			return s.call("zhongmu-staff", "POST", "/v1/accidents", bodies[i], "Idempotency-Key", key)
		})
		winner := -1
		for i, r := range rs {
			if r.Status == 201 {
				require.Equal(t, -1, winner, "two winners: %s", r.Raw)
				winner = i
				continue
			}
			require.Equal(t, 422, r.Status, string(r.Raw))
		}
		require.NotEqual(t, -1, winner, "no winner")
		id := rs[winner].Body["id"].(string)
		require.EqualValues(t, deaths[winner], rs[winner].Body["deaths"])
		require.Equal(t, 1, s.countRows(`SELECT count(*) FROM accidents WHERE id = '`+id+`'`))
		got := s.call("zhongmu-staff", "GET", "/v1/accidents/"+id, nil)
		require.EqualValues(t, deaths[winner], got.Body["deaths"], "the read model keeps the winner's figures")
		// a retry of the winner's body replays its answer
		again := s.call("zhongmu-staff", "POST", "/v1/accidents", bodies[winner], "Idempotency-Key", key)
		require.Equal(t, 201, again.Status)
		require.Equal(t, id, again.Body["id"])
	}

	// hazards: one key, two reporters' bodies
	rs := concurrently(2, func(i int) resp {
		b := hazardBody("410122")
		b["place"] = fmt.Sprintf("地点 %d", i)
		return s.call("zhongmu-staff", "POST", "/v1/hazards", b, "Idempotency-Key", "hazard-1")
	})
	require.ElementsMatch(t, []int{201, 422}, []int{rs[0].Status, rs[1].Status}, "%s / %s", rs[0].Raw, rs[1].Raw)
	require.Equal(t, 1, s.countRows(`SELECT count(*) FROM hazards`))
}

// TestLoadRun runs the load generator briefly against the real stack: mixed
// reads and writes from eight personas, no 5xx.
func TestLoadRun(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	cfg := load.Config{URL: s.srv.URL, Rate: 60, Duration: 3 * time.Second, Workers: 8,
		Token: func(_ context.Context, login string) (string, error) { return s.signer.Sign(login, time.Now()) }}
	rep, err := load.Run(context.Background(), cfg)
	require.NoError(t, err)
	rep.Print(os.Stderr)
	require.Zero(t, rep.Server5xx)
	require.Zero(t, rep.Errors)
	require.Greater(t, rep.Sent, 100)
	require.Greater(t, rep.Status[200], rep.Sent*9/10)
	require.Len(t, rep.PerOp, 9)
}

// TestRevocationReachesEveryInstance: two API instances on one database.
// A user reading through the second is cached there; a revocation made
// through the first reaches the second's cache by LISTEN/NOTIFY, well
// although its cache would keep the caller for an hour.
func TestRevocationReachesEveryInstance(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	other, err := app.Open(context.Background(), app.Config{DatabaseURL: s.db.AppURL, TemporalAddress: s.app.Config.TemporalAddress,
		TaskQueue: s.app.Config.TaskQueue})
	require.NoError(t, err)
	t.Cleanup(other.Close)
	api2 := other.Server(s.signer.Verifier(), nil)
	api2.PrincipalTTL = time.Hour // so only the notification can make it forget
	srv2 := httptest.NewServer(api2.Handler())
	t.Cleanup(srv2.Close)
	second := &stack{t: t, app: other, db: s.db, srv: srv2, signer: s.signer, tokens: map[string]string{}, made: map[string]bool{}}

	s.expect(201, "henan-admin", "POST", "/v1/users", map[string]any{"login": "rev-viewer", "name": "撤销测试", "tenant": "4101"})
	b := s.call("henan-admin", "POST", "/v1/role-bindings", map[string]any{"user": "rev-viewer", "role": "viewer", "tenant": "4101"})
	require.Equal(t, 201, b.Status, string(b.Raw))
	eventually(t, 10*time.Second, func() bool { return second.call("rev-viewer", "GET", "/v1/assignments?tenant=4101", nil).Status == 200 }, "the grant reaches the second instance")
	// a notice in 4101's inbox, which the viewer reads through the second
	// instance: its principal (with its bindings, the inboxes it reads) is
	// cached there now
	_, err = s.app.DB.InsertNotifications(context.Background(), []duban.NewNotification{{DedupeKey: "rev-test", Tenant: "4101", Kind: "test",
		Title: duban.Text{ZH: "通知", EN: "notice"}}})
	require.NoError(t, err)
	inbox := func() any { return second.call("rev-viewer", "GET", "/v1/notifications", nil).Body["total"] }
	require.EqualValues(t, 1, inbox())

	s.expect(204, "henan-admin", "DELETE", fmt.Sprintf("/v1/role-bindings/%v", b.Body["id"]), nil)
	eventually(t, 10*time.Second, func() bool { return second.call("rev-viewer", "GET", "/v1/assignments?tenant=4101", nil).Status == 403 }, "the revocation reaches the second instance's policy")
	eventually(t, 10*time.Second, func() bool { return inbox() == float64(0) }, "and its cached caller: the old inbox is no longer read")
}

// TestCalendarReadOncePerChange: a launch over Henan (198 schedules) reads
// the calendar overrides once; an override set through the API reaches the
// worker's cache by LISTEN/NOTIFY, and the next schedule reads them again.
func TestCalendarReadOncePerChange(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "日历缓存", "scope": "41", "levels": []string{"city", "county"}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	eventually(t, 2*time.Minute, func() bool { return s.countRows(`SELECT count(*) FROM assignments`) == 198 }, "fan-out")
	require.Equal(t, 1, s.app.Calendar.Loads(), "198 schedules, one read")
	s.expect(200, "nation-admin", "PUT", "/v1/calendar/days/2027-01-04", map[string]any{"workday": false, "note": "国务院办公厅通知"})
	eventually(t, 10*time.Second, func() bool {
		s.expect(201, "henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "日历变更后", "scope": "4101",
			"levels": []string{"county"}, "targets": []string{"410122"}})
		time.Sleep(500 * time.Millisecond)
		return s.app.Calendar.Loads() == 2
	}, "the override invalidates the cached calendar")
}
