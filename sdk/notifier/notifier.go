package notifier

import "context"

// Notifier is what a plugin implements. The host calls Info and Validate at
// any time, Configure once per plugin process before the first Notify, then
// Notify for each notification, possibly from several goroutines at once:
// implementations must be safe for concurrent use after Configure returns.
type Notifier interface {
	// Info describes the plugin.
	Info(ctx context.Context) (Info, error)

	// Validate checks config without applying it. A problem with a field is
	// reported with FieldError so that the admin API can name the field.
	// Validate must not change the notifier's state.
	Validate(ctx context.Context, config Config) error

	// Configure validates config like Validate and, when it is valid,
	// applies it to the notifier.
	Configure(ctx context.Context, config Config) error

	// Notify delivers one notification. nil means delivered. An error is
	// retried with backoff unless it is marked with Permanent; RetryAfter
	// asks for a minimum delay. Delivery is at least once: use
	// Notification.IdempotencyKey to drop duplicates where the receiver can.
	Notify(ctx context.Context, n Notification) error
}

// Info describes a plugin. Name and Version are required.
type Info struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}
