package duban

import (
	"strings"
	"time"
)

// Invalid is a validation error naming one field (location as the API
// names it, e.g. "body.deadline").
func Invalid(location, message string, value any) error {
	return &Error{Code: EInvalid, Message: "validation failed", Fields: []FieldError{{Location: location, Message: message, Value: value}}}
}

// NonBlank is a 422 naming location when v is blank.
func NonBlank(location, v string) error {
	if strings.TrimSpace(v) == "" {
		return Invalid(location, "must not be blank", v)
	}
	return nil
}

// Shanghai is China Standard Time (UTC+8, no daylight saving). A fixed zone
// keeps the arithmetic independent of the machine's tzdata.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// EndOfDay is the last instant (23:59:59) of a civil day in Shanghai, in
// UTC: a date a user types as a deadline means the end of that day.
func EndOfDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, Shanghai).UTC()
}

// ParseDeadline reads a deadline: YYYY-MM-DD (the end of that day in
// Asia/Shanghai) or an RFC 3339 instant; it returns UTC.
func ParseDeadline(s string) (time.Time, bool) {
	if len(s) == 10 {
		if t, err := time.ParseInLocation("2006-01-02", s, Shanghai); err == nil {
			return EndOfDay(t.Year(), t.Month(), t.Day()), true
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
