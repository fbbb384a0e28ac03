package calendar

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/duban/duban"
	"github.com/stretchr/testify/require"
)

// countingSource serves fixed overrides and counts the reads.
type countingSource struct {
	reads atomic.Int32
	days  []duban.CalendarDay
}

func (c *countingSource) ListCalendarDays(context.Context, string, string) ([]duban.CalendarDay, error) {
	c.reads.Add(1)
	return c.days, nil
}

// TestCacheReadsOncePerChange: a national launch computes ~3,300 schedules;
// the overrides are read once, and again only after a change notification.
func TestCacheReadsOncePerChange(t *testing.T) {
	src := &countingSource{days: []duban.CalendarDay{{Date: "2027-01-04", Workday: false, Note: "通知"}}}
	c := &Cache{Source: src}
	ctx := context.Background()
	for range 3300 {
		cal, err := c.Get(ctx)
		require.NoError(t, err)
		require.False(t, cal.IsWorkday(Date{2027, 1, 4}))
	}
	require.EqualValues(t, 1, src.reads.Load())
	src.days = nil
	c.Invalidate()
	cal, err := c.Get(ctx)
	require.NoError(t, err)
	require.True(t, cal.IsWorkday(Date{2027, 1, 4}), "the change is seen")
	require.EqualValues(t, 2, src.reads.Load())
	require.Equal(t, 2, c.Loads())
}
