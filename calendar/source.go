package calendar

import (
	"context"
	"fmt"
	"sync"

	"github.com/duban/duban"
)

// Source supplies the administrators' overrides.
type Source interface {
	ListCalendarDays(ctx context.Context, from, to string) ([]duban.CalendarDay, error)
}

// Load builds the calendar with every override of src applied.
func Load(ctx context.Context, src Source) (*Calendar, error) {
	days, err := src.ListCalendarDays(ctx, "1900-01-01", "2999-12-31")
	if err != nil {
		return nil, err
	}
	ovs := make([]Override, 0, len(days))
	for _, d := range days {
		date, err := ParseDate(d.Date)
		if err != nil {
			return nil, fmt.Errorf("calendar override %s: %w", d.Date, err)
		}
		ovs = append(ovs, Override{Date: date, Workday: d.Workday, Note: d.Note})
	}
	return New(ovs), nil
}

// Cache holds the loaded calendar until Invalidate is called (on every
// change notification), so the overrides are read once per change rather
// than once per use. The zero value is ready; it loads on first use.
type Cache struct {
	Source Source

	mu    sync.Mutex // held while loading: one load at a time
	cal   *Calendar
	loads int
}

// Get returns the current calendar, loading it when it was invalidated.
// Concurrent callers wait for one load (a fan-out schedules hundreds of
// nodes at once).
func (c *Cache) Get(ctx context.Context) (*Calendar, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cal != nil {
		return c.cal, nil
	}
	cal, err := Load(ctx, c.Source)
	if err != nil {
		return nil, err
	}
	c.loads++
	c.cal = cal
	return cal, nil
}

// Invalidate drops the cached calendar: the next Get reads the overrides.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cal = nil
}

// Loads reports how many times the overrides were read.
func (c *Cache) Loads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loads
}
