package workflows

import (
	"errors"
	"fmt"
	"time"

	"github.com/duban/duban"
	"go.temporal.io/sdk/temporal"
)

// Errors cross the workflow boundary as application errors whose type is a
// duban error code (duban.EConflict, EInvalid, EForbidden) with the
// offending fields as details; DomainError turns them back into the one
// domain error, which the API translates to 409, 422 or 403. Validators'
// rejections are never recorded in history.

func fail(code string, msg string, fields []duban.FieldError) error {
	if fields == nil {
		return temporal.NewNonRetryableApplicationError(msg, code, nil)
	}
	return temporal.NewNonRetryableApplicationError(msg, code, nil, fields)
}

func conflict(format string, args ...any) error {
	return fail(duban.EConflict, fmt.Sprintf(format, args...), nil)
}

func forbidden(msg string) error { return fail(duban.EForbidden, msg, nil) }

func invalidFields(msg string, fields []duban.FieldError) error {
	return fail(duban.EInvalid, msg, fields)
}

// DomainError returns the *duban.Error an update, validator or activity
// rejected with, or nil when err carries none.
func DomainError(err error) *duban.Error {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return nil
	}
	switch app.Type() {
	case duban.EConflict, duban.EInvalid, duban.EForbidden, duban.ENotFound:
	default:
		return nil
	}
	e := &duban.Error{Code: app.Type(), Message: app.Message()}
	if app.HasDetails() {
		_ = app.Details(&e.Fields)
	}
	return e
}

// withinHorizon refuses a deadline later than horizon from now, as the
// API's edge does (duban.WithinHorizon), failing the update's validation.
func withinHorizon(location string, due, now time.Time, horizon time.Duration) error {
	var de *duban.Error
	if errors.As(duban.WithinHorizon(location, due, now, horizon), &de) {
		return invalidFields("the deadline is too far ahead", de.Fields)
	}
	return nil
}
