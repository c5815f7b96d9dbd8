// Package errs is the error vocabulary shared by the domain packages: a code the
// handlers map to an HTTP status, and a message ID the views translate.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies a domain error. Handlers choose the HTTP status from it.
type Code string

const (
	Invalid     Code = "invalid"
	NotFound    Code = "not_found"
	Conflict    Code = "conflict"
	Forbidden   Code = "forbidden"
	RateLimited Code = "rate_limited"
	Internal    Code = "internal"
)

// Error is a domain error. MessageID names a locales message; it is safe to show.
// Err, when set, is the underlying cause and is only ever logged.
type Error struct {
	Code      Code
	MessageID string
	Data      map[string]any
	Err       error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.MessageID, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.MessageID)
}

func (e *Error) Unwrap() error { return e.Err }

// E builds a domain error with a code and a message ID.
func E(code Code, messageID string) *Error { return &Error{Code: code, MessageID: messageID} }

// Wrap marks err as an internal failure; its text is logged, never shown.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return &Error{Code: Internal, MessageID: "error.internal", Err: fmt.Errorf("%s: %w", what, err)}
}

// CodeOf returns the code of err, Internal when err is not a domain error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageIDOf returns the message ID to show for err.
func MessageIDOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.MessageID != "" {
		return e.MessageID
	}
	return "error.internal"
}

// Pass keeps a domain error as it is, whatever its code, and marks any other
// error as an internal failure of what. It is the one way out of a
// transaction: a refusal decided inside the callback leaves with its code.
func Pass(err error, what string) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return Wrap(err, what)
}

// IsRefusal reports whether err refuses the request for a reason the visitor
// can act on (a domain error of any code but Internal): the form that was
// sent explains it. Anything else is an error page.
func IsRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code != Internal
}
