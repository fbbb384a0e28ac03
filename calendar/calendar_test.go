package calendar_test

import (
	"testing"
	"time"

	"github.com/duban/duban/calendar"
	"github.com/stretchr/testify/require"
)

func d(s string) calendar.Date {
	x, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func TestNationalDay2026(t *testing.T) {
	t.Parallel()
	c := calendar.New(nil)
	require.False(t, c.IsWorkday(d("2026-10-01")))
	require.False(t, c.IsWorkday(d("2026-10-07")))
	require.True(t, c.IsWorkday(d("2026-10-10")), "Saturday make-up day (调休)")
	require.True(t, c.IsWorkday(d("2026-09-20")), "Sunday make-up day")
	require.False(t, c.IsWorkday(d("2026-09-25")), "Mid-Autumn")
	require.False(t, c.IsWorkday(d("2026-10-11")), "plain Sunday")
	// 1 working day before Thursday 8 Oct is Wednesday 30 Sep? no: 29 Sep (Tue) → 30 Sep is Wed, a working day.
	require.Equal(t, d("2026-09-30"), c.AddWorkdays(d("2026-10-08"), -1))
	// 5 working days before 12 Oct (Mon): 10 (Sat, make-up), 9, 8, 30 Sep, 29 Sep
	require.Equal(t, d("2026-09-29"), c.AddWorkdays(d("2026-10-12"), -5))
	require.Equal(t, d("2026-10-08"), c.AddWorkdays(d("2026-09-30"), 1))
	require.Equal(t, 3, c.WorkdaysBetween(d("2026-09-30"), d("2026-10-10")))
	require.Equal(t, -3, c.WorkdaysBetween(d("2026-10-10"), d("2026-09-30")))
	require.Equal(t, d("2026-10-08"), c.AddWorkdays(d("2026-10-03"), 0))
}

func TestOverride(t *testing.T) {
	t.Parallel()
	c := calendar.New([]calendar.Override{{Date: d("2026-12-31"), Workday: false, Note: "local notice"}, {Date: d("2026-12-26"), Workday: true, Note: "make-up"}})
	require.False(t, c.IsWorkday(d("2026-12-31")))
	require.True(t, c.IsWorkday(d("2026-12-26")))
	w, why := c.Kind(d("2026-12-31"))
	require.False(t, w)
	require.Contains(t, why, "local notice")
}

func TestEndOfDay(t *testing.T) {
	t.Parallel()
	e := d("2026-06-30").EndOfDay()
	require.Equal(t, "2026-06-30T15:59:59Z", e.Format("2006-01-02T15:04:05Z07:00"))
	require.Equal(t, d("2026-06-30"), calendar.DateOf(e))
	_, err := calendar.ParseDate("2026-13-01")
	require.Error(t, err)
}

func FuzzAddWorkdays(f *testing.F) {
	f.Add(2026, 10, 1, 5)
	f.Add(2027, 2, 10, -7)
	c := calendar.New(nil)
	f.Fuzz(func(t *testing.T, y, m, day, n int) {
		if y < 2000 || y > 2100 || m < 1 || m > 12 || day < 1 || day > 28 || n < -400 || n > 400 {
			return
		}
		start := calendar.Date{Year: y, Month: time.Month(m), Day: day}
		end := c.AddWorkdays(start, n)
		if n > 0 && c.WorkdaysBetween(start, end) != n {
			t.Fatalf("AddWorkdays(%v, %d) = %v, but %d working days between", start, n, end, c.WorkdaysBetween(start, end))
		}
		if n != 0 && !c.IsWorkday(end) {
			t.Fatalf("AddWorkdays(%v, %d) = %v is not a working day", start, n, end)
		}
	})
}
