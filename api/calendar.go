package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
)

const actCalendarSet = "calendar.set"

// CalendarDayOut is a day of the working-day calendar.
type CalendarDayOut struct {
	Date     string `json:"date"`
	Workday  bool   `json:"workday"`
	Reason   string `json:"reason" doc:"Why: weekend, statutory holiday, make-up working day (调休) or an override"`
	Override bool   `json:"override"`
}

func (s *Server) registerCalendar(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-calendar-days", Method: http.MethodGet, Path: "/v1/calendar/days", Tags: []string{"Calendar"},
		Summary:     "Working days between two dates (at most 366 days), with why",
		Description: "Statutory holidays and make-up working days come from the built-in table; administrators' overrides win.",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *struct {
		From string `query:"from" required:"true" pattern:"^\\d{4}-\\d{2}-\\d{2}$"`
		To   string `query:"to" required:"true" pattern:"^\\d{4}-\\d{2}-\\d{2}$"`
	}) (*struct{ Body Page[CalendarDayOut] }, error) {
		from, err := calendar.ParseDate(in.From)
		if err != nil {
			return nil, invalid("query.from", err.Error(), in.From)
		}
		to, err := calendar.ParseDate(in.To)
		if err != nil {
			return nil, invalid("query.to", err.Error(), in.To)
		}
		if to.Before(from) || from.AddDays(366).Before(to) {
			return nil, invalid("query.to", "must be on or after from, at most 366 days later", in.To)
		}
		cal, err := calendar.Load(ctx, s.DB)
		if err != nil {
			return nil, problem(err)
		}
		var out []CalendarDayOut
		for d := from; !to.Before(d); d = d.AddDays(1) {
			w, why := cal.Kind(d)
			out = append(out, CalendarDayOut{Date: d.String(), Workday: w, Reason: why, Override: strings.HasPrefix(why, "override")})
		}
		return &struct{ Body Page[CalendarDayOut] }{Page[CalendarDayOut]{Items: out, Total: len(out)}}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "set-calendar-day", Method: http.MethodPut, Path: "/v1/calendar/days/{date}", Tags: []string{"Calendar"},
		Summary:     "Override one day as a working day or a day off (national admin), e.g. for next year's State Council notice",
		Description: "Running campaigns use the new calendar the next time they compute a schedule (launch, extension, return).",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		Date string `path:"date" pattern:"^\\d{4}-\\d{2}-\\d{2}$"`
		Body struct {
			Workday bool   `json:"workday"`
			Note    string `json:"note" minLength:"1" maxLength:"200"`
		}
	}) (*struct{ Body CalendarDayOut }, error) {
		d, err := calendar.ParseDate(in.Date)
		if err != nil {
			return nil, invalid("path.date", err.Error(), in.Date)
		}
		if err := s.require(ctx, actCalendarSet, duban.RootCode); err != nil {
			return nil, err
		}
		if err := s.DB.SetCalendarDay(ctx, duban.SystemScope, duban.CalendarDay{Date: d.String(), Workday: in.Body.Workday,
			Note: in.Body.Note, UpdatedBy: principal(ctx).Login}); err != nil {
			return nil, problem(err)
		}
		return &struct{ Body CalendarDayOut }{CalendarDayOut{Date: d.String(), Workday: in.Body.Workday, Reason: "override: " + in.Body.Note, Override: true}}, nil
	})
}
