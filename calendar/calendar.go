// Package calendar does Chinese working-day arithmetic: weekends, statutory
// holidays and make-up working days (调休) from the lunar-go holiday table,
// with administrator overrides on top for new years' State Council notices.
// Dates are days in Asia/Shanghai; instants are time.Time in UTC.
package calendar

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
	"github.com/duban/duban"
)

// Shanghai is China Standard Time (UTC+8), the zone of every civil day.
var Shanghai = duban.Shanghai

// The years a date may be read from outside: beyond them no date is a real
// working day, and far ones break the arithmetic built on them.
const (
	MinYear = 1900
	MaxYear = 2100
)

// Date is a civil day in Asia/Shanghai.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the Shanghai day of instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation("2006-01-02", s, Shanghai)
	if err != nil || len(s) != 10 {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	if t.Year() < MinYear || t.Year() > MaxYear {
		return Date{}, fmt.Errorf("date %q out of range: %d–%d", s, MinYear, MaxYear)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// At returns the instant at hh:mm on d in Shanghai.
func (d Date) At(hour, min int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, Shanghai).UTC()
}

// EndOfDay is the last instant of d in Shanghai (23:59:59): a date a user
// types as a deadline means the end of that day.
func (d Date) EndOfDay() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, Shanghai).UTC()
}

// AddDays moves d by n calendar days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, Shanghai))
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.At(12, 0).Before(e.At(12, 0)) }

// Override marks one day as a working day or a day off, whatever the table says.
type Override struct {
	Date    Date
	Workday bool
	Note    string
}

// Calendar answers working-day questions. The zero value uses the built-in
// table only.
type Calendar struct {
	overrides map[Date]Override
}

// New returns a calendar with the given overrides.
func New(overrides []Override) *Calendar {
	c := &Calendar{overrides: make(map[Date]Override, len(overrides))}
	for _, o := range overrides {
		c.overrides[o.Date] = o
	}
	return c
}

// Kind says why a day is or is not a working day.
func (c *Calendar) Kind(d Date) (workday bool, reason string) {
	if c != nil {
		if o, ok := c.overrides[d]; ok {
			return o.Workday, "override: " + o.Note
		}
	}
	if h := HolidayUtil.GetHolidayByYmd(d.Year, int(d.Month), d.Day); h != nil {
		if h.IsWork() {
			return true, "make-up working day (调休) for " + h.GetName()
		}
		return false, "statutory holiday: " + h.GetName()
	}
	wd := d.At(12, 0).In(Shanghai).Weekday()
	if wd == time.Saturday || wd == time.Sunday {
		return false, "weekend"
	}
	return true, "working day"
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) bool {
	w, _ := c.Kind(d)
	return w
}

// AddWorkdays moves d by n working days (n may be negative). With n = 0 it
// returns d itself when d is a working day, else the next working day.
func (c *Calendar) AddWorkdays(d Date, n int) Date {
	if n == 0 {
		for !c.IsWorkday(d) {
			d = d.AddDays(1)
		}
		return d
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWorkday(d) {
			n--
		}
	}
	return d
}

// WorkdaysBetween counts working days in (from, to]; negative when to is
// before from.
func (c *Calendar) WorkdaysBetween(from, to Date) int {
	if to.Before(from) {
		return -c.WorkdaysBetween(to, from)
	}
	n := 0
	for d := from.AddDays(1); !to.Before(d); d = d.AddDays(1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}
