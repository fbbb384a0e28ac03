package main

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/duban/duban/internal/load"
	"github.com/stretchr/testify/require"
)

func TestLoadFlags(t *testing.T) {
	_, err := load.ParseFlags([]string{"--url", "http://10.0.0.1:8080"})
	require.Error(t, err, "only loopback")
	_, err = load.ParseFlags([]string{"--duration", "1h"})
	require.Error(t, err)
	c, err := load.ParseFlags(nil)
	require.NoError(t, err)
	require.Equal(t, 100, c.Rate)
}

// Both ways of driving load count failures apart from latencies and keep
// the first failure's status or error for the report.
func TestLoadKeepsFirstFailure(t *testing.T) {
	ok := func(*http.Client) (int, error) { return http.StatusOK, nil }
	unavailable := func(*http.Client) (int, error) { return http.StatusServiceUnavailable, nil }
	refused := func(*http.Client) (int, error) { return 0, errors.New("connection refused") }
	runs := loadInterleaved(context.Background(), 50*time.Millisecond, ok, unavailable, refused)
	require.Zero(t, runs[0].bad)
	require.NotZero(t, runs[0].rps)
	require.Positive(t, runs[1].bad)
	require.Equal(t, "status 503", runs[1].firstBad)
	require.Zero(t, runs[1].rps, "a failure is no latency")
	require.Equal(t, "connection refused", runs[2].firstBad)
	r := loadRun(context.Background(), 2, 20*time.Millisecond, unavailable)
	require.Positive(t, r.bad)
	require.Equal(t, "status 503", r.firstBad)
	require.Zero(t, r.rps)
}
