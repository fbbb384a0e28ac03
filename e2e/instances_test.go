package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/app"
	"github.com/stretchr/testify/require"
)

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
