package core

import (
	"context"
	"time"
)

// KeyUpdate holds the fields of a project key that may change; nil leaves a
// field as it is.
type KeyUpdate struct {
	Label     *string `json:"label"`
	RateLimit *int    `json:"rate_limit"` // events per minute; 0 means none
}

// Bucket is a count of events in the time bucket that starts at Start.
type Bucket struct {
	Start time.Time `json:"start"`
	Count int64     `json:"count"`
}

// HourStats is what ingestion and the pipeline did for one project in one
// hour: events accepted by ingestion, rejected (at ingestion or while
// processing; RejectedBy splits them by reason), refused by a rate limit or
// a full queue, and stored.
type HourStats struct {
	ProjectID   int64            `json:"project_id"`
	Hour        time.Time        `json:"hour"`
	Accepted    int64            `json:"accepted"`
	Rejected    int64            `json:"rejected"`
	RateLimited int64            `json:"rate_limited"`
	Stored      int64            `json:"stored"`
	RejectedBy  map[string]int64 `json:"rejected_by_reason"`
}

// StatsDelta is an increment of a project's counters for one hour, as
// ingestion flushes them. Rejected counts by reason; the hour's Rejected
// total grows by their sum.
type StatsDelta struct {
	ProjectID   int64
	Hour        time.Time // the start of an hour, UTC
	Accepted    int64
	RateLimited int64
	Rejected    map[string]int64
}

// StatsFilter selects hours of one project's stats: From (inclusive) to To
// (exclusive), both rounded down to the hour.
type StatsFilter struct {
	ProjectID int64
	From, To  time.Time
}

// AdminStore is what the admin API needs beyond ProjectStore and
// IssueStore: projects deleted in the background, key listing and limits,
// issue merges and deletion, per-issue histograms, attachment downloads
// and ingestion statistics.
type AdminStore interface {
	// ScheduleProjectDeletion hides the project at once: FindProjectByID
	// and FindProjects no longer return it, its keys are revoked, and its
	// name is free for a new project. Its data stays until
	// PurgeDeletedProjects removes it. ENOTFOUND for an unknown or already
	// deleted project.
	ScheduleProjectDeletion(ctx context.Context, id int64) error
	// PurgeDeletedProjects deletes at most about limit rows of the data of
	// projects scheduled for deletion, and a project itself once nothing of
	// it is left. It reports whether anything is left to purge; callers
	// repeat it, with pauses, until it says false.
	PurgeDeletedProjects(ctx context.Context, limit int) (more bool, err error)

	// FindKeys returns every key of the project, revoked ones included,
	// oldest first; ENOTFOUND for an unknown project.
	FindKeys(ctx context.Context, projectID int64) ([]*ProjectKey, error)
	// UpdateKey changes an active key of the project and returns it;
	// ENOTFOUND when the project has no such active key, EINVALID naming
	// the field for a bad value.
	UpdateKey(ctx context.Context, projectID int64, publicKey string, upd KeyUpdate) (*ProjectKey, error)

	// MergeIssues moves the issues others into into, in one transaction:
	// their fingerprints become aliases of into (so future events of those
	// fingerprints land in it), their events, hourly counts and alerts move
	// to it, its count, first and last seen grow accordingly, and the
	// others are deleted. Every issue must exist (ENOTFOUND) and belong to
	// into's project; into among others, duplicates or an empty others are
	// EINVALID naming "issue_ids". It returns the merged issue.
	MergeIssues(ctx context.Context, into int64, others []int64) (*Issue, error)
	// DeleteIssue removes the issue with its events, fingerprints, counts
	// and alerts; a later event of its fingerprint starts a new issue.
	// ENOTFOUND for an unknown issue.
	DeleteIssue(ctx context.Context, id int64) error
	// FindIssueHistogram returns the issue's events per hour of their
	// timestamp, for the hours at or after since, oldest first; hours
	// without events are left out. ENOTFOUND for an unknown issue.
	FindIssueHistogram(ctx context.Context, issueID int64, since time.Time) ([]Bucket, error)
	// FindAttachment returns one attachment of an event of the project with
	// its Data, or ENOTFOUND.
	FindAttachment(ctx context.Context, projectID int64, eventID string, id int64) (*Attachment, error)

	// AddStats adds ingestion counters in one transaction. Deltas of
	// projects that do not exist (any more) are dropped.
	AddStats(ctx context.Context, deltas []StatsDelta) error
	// FindStats returns the project's hours in the range that have any
	// counter set, oldest first.
	FindStats(ctx context.Context, f StatsFilter) ([]*HourStats, error)
}
