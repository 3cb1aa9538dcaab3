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
	// Rule names the alert rule of a threshold alert; "" for other kinds.
	Rule string `json:"rule,omitempty"`
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
	// AttemptLog is every recorded delivery attempt, oldest first; filled
	// by FindAlertPage only.
	AttemptLog []NotificationAttempt `json:"attempt_log,omitempty"`

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
	// PendingNotifications counts the pending notifications (due or not,
	// claimed or not) by the plugin of their destination.
	PendingNotifications(ctx context.Context) (map[string]int64, error)

	// FindDestinationByID returns a destination of any project (or a global
	// one), or ENOTFOUND.
	FindDestinationByID(ctx context.Context, id int64) (*Destination, error)
	// UpdateDestination applies upd and returns the destination; ENOTFOUND,
	// ECONFLICT for a name taken in its project, EINVALID.
	UpdateDestination(ctx context.Context, id int64, upd DestinationUpdate) (*Destination, error)
	// SyncConfigDestinations makes the destinations with Source "config"
	// exactly ds, in one transaction: a destination with the same project
	// and name is updated in place (keeping its ID and so its pending
	// notifications), a new one inserted, and every other "config" one
	// deleted. It sets each one's ID and CreatedAt. A name taken by an "api"
	// destination of the same project is ECONFLICT; an unknown project is
	// ENOTFOUND.
	SyncConfigDestinations(ctx context.Context, ds []*Destination) error

	// FindAlertPage returns one page of a project's alerts, newest first,
	// with their notifications and each notification's AttemptLog, and the
	// cursor of the next page ("" on the last one). ENOTFOUND for an
	// unknown project.
	FindAlertPage(ctx context.Context, f AlertFilter) ([]*Alert, string, error)
	// AcknowledgeAlert sets the alert's AcknowledgedAt to at unless already
	// set, and returns it with its notifications, or ENOTFOUND.
	AcknowledgeAlert(ctx context.Context, id int64, at time.Time) (*Alert, error)

	// CountIssueEvents counts the issue's events whose timestamp is at or
	// after since, stopping at limit (so it reads at most limit rows).
	CountIssueEvents(ctx context.Context, issueID int64, since time.Time, limit int) (int, error)
	// CreateThresholdAlert creates a threshold alert of t.Rule for the
	// issue with one pending notification per destination of its project,
	// in one transaction, unless an alert of that rule for that issue was
	// created after t.At minus t.Interval: then it creates nothing and
	// returns that alert with created false. Concurrent calls (several
	// nodes) never both create one. ENOTFOUND for an unknown issue.
	CreateThresholdAlert(ctx context.Context, t ThresholdAlert) (a *Alert, created bool, err error)
}

// DestinationUpdate holds the fields of a destination that may change; nil
// leaves a field as it is.
type DestinationUpdate struct {
	Name   *string
	Config map[string]any // replaces the whole config when not nil
	When   *string
}

// AlertFilter selects alerts of one project. Zero values select
// everything.
type AlertFilter struct {
	ProjectID int64
	Kind      string    // new_issue, regression or threshold
	IssueID   int64     // alerts of this issue only
	Since     time.Time // created at or after
	Limit     int       // default 100
	Cursor    string    // opaque, from a previous page
}

// NotificationAttempt is one recorded delivery attempt.
type NotificationAttempt struct {
	At        time.Time `json:"at"`
	Error     string    `json:"error,omitempty"` // "" for the success
	Permanent bool      `json:"permanent,omitempty"`
}

// ThresholdAlert asks CreateThresholdAlert for an alert: rule Rule fired
// for IssueID at At, raised by EventID, at most once per Interval.
type ThresholdAlert struct {
	IssueID  int64
	Rule     string
	EventID  string
	At       time.Time
	Interval time.Duration
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

// Validate reports the first problem of f as EINVALID naming the field.
func (f AlertFilter) Validate() error {
	switch f.Kind {
	case "", AlertNewIssue, AlertRegression, AlertThreshold:
	default:
		return FieldErrorf("kind", "kind must be new_issue, regression or threshold")
	}
	if f.IssueID < 0 {
		return FieldErrorf("issue_id", "issue_id must be positive")
	}
	if f.Limit < 0 || f.Limit > 1000 {
		return FieldErrorf("limit", "limit must be between 1 and 1000")
	}
	return nil
}

// Validate reports the first problem of t as EINVALID naming the field.
func (t ThresholdAlert) Validate() error {
	switch {
	case t.IssueID <= 0:
		return FieldErrorf("issue_id", "issue_id must be positive")
	case t.Rule == "":
		return FieldErrorf("rule", "rule is required")
	case t.At.IsZero():
		return FieldErrorf("at", "at is required")
	case t.Interval < 0:
		return FieldErrorf("interval", "interval must not be negative")
	}
	return nil
}
