package duban

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCircularRank: ties share a rank; a unit with nothing due is shown as
// such, unranked, never at 100 %, and neither best nor laggard; laggards
// are never chosen by code among equals.
func TestCircularRank(t *testing.T) {
	c := &Circular{Rows: []CircularRow{
		{Tenant: "4101", Due: 10, OnTime: 10, OnTimeRate: 1},
		{Tenant: "4102", Due: 10, OnTime: 5, OnTimeRate: 0.5},
		{Tenant: "4103", Due: 0}, // submitted nothing, nothing due
		{Tenant: "4104", Due: 10, OnTime: 10, OnTimeRate: 1},
		{Tenant: "4105", Due: 10, OnTime: 9, OnTimeRate: 0.9},
		{Tenant: "4106", Due: 10, OnTime: 5, OnTimeRate: 0.5},
		{Tenant: "4107", Due: 10, OnTime: 9, OnTimeRate: 0.9},
		{Tenant: "4108", Due: 10, OnTime: 9, OnTimeRate: 0.9},
		{Tenant: "4109", Due: 10, OnTime: 2, OnTimeRate: 0.2},
	}}
	c.Rank()
	ranks := map[string]int{}
	for _, r := range c.Rows {
		ranks[r.Tenant] = r.Rank
	}
	require.Equal(t, map[string]int{"4101": 1, "4104": 1, "4105": 3, "4107": 3, "4108": 3, "4102": 6, "4106": 6, "4109": 8, "4103": 0}, ranks)
	last := c.Rows[len(c.Rows)-1]
	require.Equal(t, "4103", last.Tenant)
	require.True(t, last.NothingDue)
	require.Zero(t, last.OnTimeRate)
	// 8 ranked: a quarter is 2 places; both rank-1 units are best, the two last places are
	// rank 8 and rank 6 (shared by two): all three are named
	require.Equal(t, []string{"4101", "4104"}, c.Best)
	require.Equal(t, []string{"4102", "4106", "4109"}, c.Laggards)
	require.NotContains(t, append(c.Best, c.Laggards...), "4103")

	// everyone equal: no one is named, everyone first
	c = &Circular{Rows: []CircularRow{{Tenant: "a", Due: 3, OnTimeRate: 1}, {Tenant: "b", Due: 3, OnTimeRate: 1}, {Tenant: "c", Due: 3, OnTimeRate: 1}}}
	c.Rank()
	require.Empty(t, c.Best)
	require.Empty(t, c.Laggards)
	require.Equal(t, 1, c.Rows[2].Rank)
	// nothing due anywhere: no one ranked or named
	c = &Circular{Rows: []CircularRow{{Tenant: "a"}, {Tenant: "b"}}}
	c.Rank()
	require.Empty(t, c.Best)
	require.Empty(t, c.Laggards)
	require.Zero(t, c.Rows[0].Rank)
}
