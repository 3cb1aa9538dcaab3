package core

import (
	"context"
	"time"
)

// Alert kinds.
const (
	AlertNewIssue   = "new_issue"
	AlertRegression = "regression"
	AlertThreshold  = "threshold"
)

// Alert is raised for an issue: created in the same transaction as the
// change that caused it, with one notification per destination.
type Alert struct {
	ID             int64           `json:"id"`
	ProjectID      int64           `json:"project_id"`
	IssueID        int64           `json:"issue_id"`
	Kind           string          `json:"kind"`
	EventID        string          `json:"event_id"` // the event that raised it
	CreatedAt      time.Time       `json:"created_at"`
	AcknowledgedAt *time.Time      `json:"acknowledged_at,omitempty"`
	Notifications  []*Notification `json:"notifications,omitempty"`
}

// Destination is where notifications go: a notifier plugin and its config.
type Destination struct {
	ID        int64          `json:"id"`
	ProjectID int64          `json:"project_id"` // 0: every project (from config.yaml)
	Name      string         `json:"name"`
	Plugin    string         `json:"plugin"` // plugin name or path
	Config    map[string]any `json:"config"`
	When      string         `json:"when,omitempty"` // expr filter over the alert
	Source    string         `json:"source"`         // "api" or "config"
	CreatedAt time.Time      `json:"created_at"`
}

// Notification is one outbox row: an alert to deliver to one destination.
type Notification struct {
	ID            int64      `json:"id"`
	AlertID       int64      `json:"alert_id"`
	DestinationID int64      `json:"destination_id"`
	State         string     `json:"state"` // pending, delivered, failed, skipped
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	// IdempotencyKey is stable across retries; plugins use it to drop
	// duplicates of an at-least-once delivery.
	IdempotencyKey string `json:"idempotency_key"`

	// Filled by ClaimNotifications for the dispatcher; never stored here.
	Alert       *Alert       `json:"-"`
	Issue       *Issue       `json:"-"`
	Project     *Project     `json:"-"`
	Destination *Destination `json:"-"`
}

// Notification states.
const (
	NotificationPending   = "pending"
	NotificationDelivered = "delivered"
	NotificationFailed    = "failed"
	NotificationSkipped   = "skipped"
)

// AlertStore keeps alerts, destinations and the notification outbox.
type AlertStore interface {
	// CreateDestination inserts d and sets its ID; a duplicate name in the
	// project is ECONFLICT.
	CreateDestination(ctx context.Context, d *Destination) error
	// FindDestinations returns the destinations of a project, including the
	// global ones (ProjectID 0).
	FindDestinations(ctx context.Context, projectID int64) ([]*Destination, error)
	// DeleteDestination removes one, or returns ENOTFOUND.
	DeleteDestination(ctx context.Context, projectID, id int64) error

	// FindAlerts returns a project's alerts, newest first, with their
	// notifications.
	FindAlerts(ctx context.Context, projectID int64, limit int) ([]*Alert, error)

	// ClaimNotifications leases up to limit due pending notifications for
	// lease, so that concurrent dispatchers (several nodes) never hold the
	// same row at once. Each comes with its Alert, Issue, Project and
	// Destination filled.
	ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*Notification, error)
	// RecordAttempt stores the outcome of one delivery attempt: delivered,
	// retry at next, or failed for good.
	RecordAttempt(ctx context.Context, id int64, a Attempt) error
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	At        time.Time
	Err       string    // "" on success
	Permanent bool      // a failure that must not be retried
	NextAt    time.Time // when to retry, for a non-permanent failure
	// Skipped records that nothing was sent on purpose (the destination's
	// `when` filter did not match): the notification ends "skipped".
	Skipped bool
}
