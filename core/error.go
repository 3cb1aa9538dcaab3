package core

import (
	"errors"
	"fmt"
)

// Error codes. The set is small on purpose: each maps to one HTTP status in
// core/http and to one exit code in the CLI.
const (
	EINVALID      = "invalid"      // the request is malformed or fails validation (400)
	EUNAUTHORIZED = "unauthorized" // credentials are missing or unknown (401)
	EFORBIDDEN    = "forbidden"    // credentials are known but not allowed here (403)
	ENOTFOUND     = "not_found"    // the entity does not exist (404)
	ECONFLICT     = "conflict"     // the entity already exists or the state forbids it (409)
	ETOOLARGE     = "too_large"    // a body or item exceeds a configured limit (413)
	ERATELIMITED  = "rate_limited" // a quota or the pipeline's capacity is exhausted (429)
	// EUNAVAILABLE: the database cannot write now (disk full, read-only,
	// unreachable); the same request can succeed later (503 + Retry-After).
	// It is never the data's fault: an event refused with it is kept and
	// retried, never stored as rejected.
	EUNAVAILABLE = "unavailable"
	EINTERNAL    = "internal" // everything else (500)
)

// Error is an error meant to reach a user: Code is machine readable, Message
// is safe to show. Errors that are not *Error are internal by definition and
// their text is logged, never shown.
type Error struct {
	Code    string
	Message string
	// Field names the input that is wrong, for EINVALID errors ("name",
	// "config.url"); empty when the error is about the request as a whole.
	Field string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("periscope error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("periscope error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error naming the offending field.
func FieldErrorf(field string, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the Message of the
// first *Error in its chain, or "internal error" for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err carries ENOTFOUND.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }
