package e2e

import (
	"fmt"
	"sync"
	"testing"

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
