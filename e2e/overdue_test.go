package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOverdueOnRealServer: a deadline a few seconds away passes on the real
// dev server; the first escalation step fires and notifies the county and
// its supervisor once each.
func TestOverdueOnRealServer(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	due := time.Now().Add(6 * time.Second).UTC()
	r := s.call("henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "到期", "scope": "41", "levels": []string{"county"},
		"targets": []string{"410225"}, "phases": map[string]string{"main": due.Format(time.RFC3339)}})
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string) + ".410225"
	var last resp
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		last = s.call("henan-planner", "GET", "/v1/assignments/"+id, nil)
		if last.Body["escalation_level"] == float64(1) {
			break
		}
		require.True(t, time.Now().Before(deadline), "no escalation: %s", last.Raw)
	}
	require.Equal(t, true, last.Body["overdue"])
	// notifications are written in the background after the escalation is recorded
	eventually(t, 10*time.Second, func() bool {
		return s.countRows(`SELECT count(*) FROM notifications WHERE assignment_id = '`+id+`' AND kind = 'escalation.reminder'`) == 2
	}, "the assignee and its supervisor are notified")
}
