package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/duban/duban/internal/load"
	"github.com/stretchr/testify/require"
)

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
