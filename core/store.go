package core

import (
	"context"
	"time"
)

// Store is everything Periscope keeps. core/sqlite and core/postgres
// implement it; core/storetest is the one behavioural suite both pass.
// All methods are safe for concurrent use.
type Store interface {
	ProjectStore
	IssueStore
	AlertStore
	AdminStore
	RetentionStore
	UserStore
	EventWriter
	TokenStore
	SourceMapStore
	JobLocker

	// Ping reports whether the database answers and its schema is current.
	Ping(ctx context.Context) error
	// Close releases the database; writes in flight finish first.
	Close() error
}

// EventWriter stores processed events.
type EventWriter interface {
	// WriteEvents stores a batch in one transaction: for each event it
	// upserts the issue of (ProjectID, Grouping.Hash) (or joins the issue
	// of a fallback hash, see EventWrite.Fallbacks), recording the hash
	// with Grouping.Config, inserts the event
	// unless its event_id is already stored for the project (then
	// Duplicate), bumps the issue's counters, reopens a resolved issue, and
	// creates an alert with one pending notification per destination for a
	// new or regressed issue. It returns one result per input, in order.
	// Either the whole batch is stored or none of it is.
	WriteEvents(ctx context.Context, batch []*EventWrite) ([]WriteResult, error)

	// WriteRejected keeps a payload that could not be processed.
	WriteRejected(ctx context.Context, r *RejectedEvent) error
}

// EventWrite is one processed event ready to store. Event.ProjectID,
// EventID, Timestamp, Received, Title, Culprit, Level and Grouping.Hash are
// required.
type EventWrite struct {
	Event *Event
	// Fallbacks are the event's hashes under other grouping configurations
	// (the project's previous one during a transition), most preferred
	// first. When Event.Grouping.Hash names no issue of the project, the
	// first fallback that does decides the event's issue and
	// Grouping.Hash is recorded as an alias of that issue (with
	// Grouping.Config), so no issue is created and no new-issue alert
	// fires; later events find the issue by Grouping.Hash alone. Fallback
	// hashes themselves are never recorded.
	Fallbacks []Fingerprint
}

// WriteResult is what WriteEvents did with one event.
type WriteResult struct {
	IssueID   int64
	Duplicate bool  // the event_id was already stored; nothing changed
	NewIssue  bool  // the event created its issue
	Regressed bool  // the event reopened a resolved issue
	AlertID   int64 // the alert created, or 0
}

// Clock returns the current time; stores and the pipeline take one so tests
// can control time.
type Clock func() time.Time
