package core

import (
	"context"
	"time"
)

// RetentionStore prunes old data in small batches, so that a background
// pruner never holds the database (SQLite's single writer) for long. Each
// call is its own short transaction; callers repeat a call, with pauses,
// until it deletes fewer rows than limit.
//
// Events are aged by when Periscope received them (Event.Received), which a
// misbehaving SDK clock cannot move. An event's attachments go with it.
// Issues are never changed by losing events: Issue.Count is the number of
// events seen, not the number kept, and first/last seen, the hourly counts
// and the alerts stay as they were. An issue goes only once it has no event
// left and its LastSeen is older than the age cutoff (PruneIssues), taking
// its fingerprint aliases, hourly counts, alerts and their notifications
// with it; a later event of its fingerprint starts a new issue.
type RetentionStore interface {
	// PruneEvents deletes up to limit of the project's oldest events
	// received before before, with their attachments, then (within the
	// same limit) its rejected events received before before. It returns
	// how many rows it deleted; fewer than limit means none is left.
	PruneEvents(ctx context.Context, projectID int64, before time.Time, limit int) (int, error)

	// CapEvents deletes up to limit of the project's oldest events (by
	// received time, then storage order) beyond its newest keep, with their
	// attachments. It returns how many it deleted; fewer than limit means
	// the project holds at most keep events. Events stored meanwhile are
	// newer, so they never make it delete one of the newest keep.
	CapEvents(ctx context.Context, projectID int64, keep, limit int) (int, error)

	// PruneIssues deletes up to limit issues of the project that have no
	// event left and whose LastSeen is before before, unless one of their
	// alerts still has a pending notification (the dispatcher may hold
	// it; the issue goes at a later run). An issue that gets an event while
	// it is being pruned is kept. It returns how many it deleted.
	PruneIssues(ctx context.Context, projectID int64, before time.Time, limit int) (int, error)
}
