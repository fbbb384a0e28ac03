package main

import (
	"testing"

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
