package duban

import "time"

// CalendarDay is an administrator's override of one day.
type CalendarDay struct {
	Date      string    `json:"date"`
	Workday   bool      `json:"workday"`
	Note      string    `json:"note"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}
