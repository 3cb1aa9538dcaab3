package notifier

import (
	"errors"
	"fmt"
	"time"
)

// ConfigError is a configuration problem with one field. The host reports
// it to the user as a 400 naming the field (prefixed with "config.").
type ConfigError struct {
	// Field is the config key at fault: "url", "headers.X-Token", "to[1]".
	Field   string
	Message string
}

// Error implements error.
func (e *ConfigError) Error() string {
	if e.Field == "" {
		return "invalid config: " + e.Message
	}
	return fmt.Sprintf("invalid config: %s: %s", e.Field, e.Message)
}

// FieldError returns a *ConfigError for field with a formatted message.
func FieldError(field, format string, args ...any) error {
	return &ConfigError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsConfigError returns the first *ConfigError in err's chain, or nil.
func AsConfigError(err error) *ConfigError {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// permanentError marks a delivery failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure that must not be retried (a 404 from
// the receiver, a rejected recipient). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked with
// Permanent. A *ConfigError is permanent too: the same config will fail
// the same way.
func IsPermanent(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe) || AsConfigError(err) != nil
}

// retryAfterError asks for a minimum delay before the next attempt.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter marks err as retryable no sooner than after (a receiver's
// Retry-After header). The host waits at least that long, up to its
// configured maximum backoff. RetryAfter(nil, d) is nil.
func RetryAfter(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err: err, after: after}
}

// RetryAfterOf returns the delay requested with RetryAfter anywhere in
// err's chain, and whether there was one.
func RetryAfterOf(err error) (time.Duration, bool) {
	var re *retryAfterError
	if errors.As(err, &re) {
		return re.after, true
	}
	return 0, false
}
