package duban

import (
	"net/url"
	"strconv"
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

// The window every instant and date accepted from outside lies in. Dates
// beyond it are never a real deadline, and far ones break what is computed
// from them (a reminder 20 working days after 9999-12-31 is not a time).
var (
	EarliestTime = time.Date(2000, 1, 1, 0, 0, 0, 0, Shanghai).UTC()
	LatestTime   = time.Date(2100, 12, 31, 23, 59, 59, 0, Shanghai).UTC()
)

// MaxHorizon is how far ahead a deadline may be set: five years, the
// longest campaign the templates know (a three-year action with its
// consolidation).
const MaxHorizon = 5 * 365 * 24 * time.Hour

// HazardHorizon is how far ahead a hazard's rectification deadline may be.
const HazardHorizon = 2 * 365 * 24 * time.Hour

// ParseDeadline reads a deadline: YYYY-MM-DD (the end of that day in
// Asia/Shanghai) or an RFC 3339 instant, between EarliestTime and
// LatestTime; it returns UTC.
func ParseDeadline(s string) (time.Time, bool) {
	var t time.Time
	if d, err := time.ParseInLocation("2006-01-02", s, Shanghai); err == nil && len(s) == 10 {
		t = EndOfDay(d.Year(), d.Month(), d.Day())
	} else if t, err = time.Parse(time.RFC3339, s); err != nil {
		return time.Time{}, false
	}
	t = t.UTC()
	if t.Before(EarliestTime) || t.After(LatestTime) {
		return time.Time{}, false
	}
	return t, true
}

// DeadlineFormat is how a refused deadline's 422 says what is accepted.
const DeadlineFormat = "must be YYYY-MM-DD (end of that day, Asia/Shanghai) or an RFC 3339 time, in 2000–2100"

// CheckDeadline is nil when due lies after now and within horizon of it,
// else a 422 naming location. Validators at the edge and in the workflows
// both use it, so no deadline a workflow accepts can break its timers.
func CheckDeadline(location string, due, now time.Time, horizon time.Duration) error {
	if !due.After(now) {
		return Invalid(location, "must be in the future", due)
	}
	return WithinHorizon(location, due, now, horizon)
}

// WithinHorizon is nil when due lies no later than horizon from now, else
// a 422 naming location.
func WithinHorizon(location string, due, now time.Time, horizon time.Duration) error {
	if due.After(now.Add(horizon)) {
		return Invalid(location, "must be within "+horizonText(horizon)+" from now", due)
	}
	return nil
}

// ParseFutureDeadline parses s with ParseDeadline and checks it with
// CheckDeadline: one call for a deadline field of a request.
func ParseFutureDeadline(location, s string, now time.Time, horizon time.Duration) (time.Time, error) {
	t, ok := ParseDeadline(s)
	if !ok {
		return time.Time{}, Invalid(location, DeadlineFormat, s)
	}
	return t, CheckDeadline(location, t, now, horizon)
}

func horizonText(d time.Duration) string {
	if y := d / (365 * 24 * time.Hour); y >= 1 && d%(365*24*time.Hour) == 0 {
		return strconv.Itoa(int(y)) + " years"
	}
	return d.String()
}

// MaskURL returns a URL fit to show back: credentials dropped and every
// query value (robot access tokens, signatures) masked but its first three
// characters.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	q := u.Query()
	for k, vs := range q {
		for i, v := range vs {
			if len(v) > 3 {
				vs[i] = v[:3] + "***"
			} else {
				vs[i] = "***"
			}
		}
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}
