// Package duban holds Duban's (督办) domain types, their validation and the
// error codes shared by every adapter. It imports nothing of the project.
//
// Duban runs government safety-supervision campaigns across China's
// administrative tree (province → city → county). Adapters live in
// subpackages named after their technology: postgres, authz (casbin),
// api (huma), workflows and activities (Temporal).
package duban

import (
	"errors"
	"fmt"
)

// Error codes, translated once at each edge (driver error → code → HTTP status).
const (
	EInvalid      = "invalid"      // bad input: 422
	ENotFound     = "not_found"    // 404
	EConflict     = "conflict"     // wrong state or duplicate: 409
	EForbidden    = "forbidden"    // authenticated but not allowed: 403
	EUnauthorized = "unauthorized" // no or bad credentials: 401
	EUnavailable  = "unavailable"  // a dependency did not answer; retry: 503
	EInternal     = "internal"     // 500
)

// Error is the one domain error type. Message is safe to show to clients.
type Error struct {
	Code    string
	Message string
	// Fields names the offending input fields, for validation errors.
	Fields []FieldError
}

// FieldError names one invalid input field.
type FieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
	Value    any    `json:"value,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("duban error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
