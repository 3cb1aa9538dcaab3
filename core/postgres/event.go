package postgres

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// FindEvents returns one page of an issue's events, newest first; ENOTFOUND
// for an unknown issue.
func (db *DB) FindEvents(ctx context.Context, f core.EventFilter) ([]*core.Event, string, error) {
	return sqlq.FindEvents(ctx, conn{db.pool}, f)
}

// FindEventByID returns an event of the project with its payload, data and
// attachment metadata, or ENOTFOUND.
func (db *DB) FindEventByID(ctx context.Context, projectID int64, eventID string) (*core.Event, error) {
	return sqlq.FindEventByID(ctx, conn{db.pool}, projectID, eventID)
}

// FindAttachment returns one attachment of an event with its data, or
// ENOTFOUND.
func (db *DB) FindAttachment(ctx context.Context, projectID int64, eventID string, id int64) (*core.Attachment, error) {
	return sqlq.FindAttachment(ctx, conn{db.pool}, projectID, eventID, id)
}

// FindIssueFingerprints returns the hashes leading to the issue with their
// grouping configurations, oldest first; ENOTFOUND for an unknown issue.
func (db *DB) FindIssueFingerprints(ctx context.Context, issueID int64) ([]*core.Fingerprint, error) {
	return sqlq.FindIssueFingerprints(ctx, conn{db.pool}, issueID)
}

// WriteRejected keeps a payload that could not be processed and counts it
// in the hourly stats; ENOTFOUND for an unknown project.
func (db *DB) WriteRejected(ctx context.Context, r *core.RejectedEvent) error {
	return storageError(sqlq.WriteRejected(ctx, db.writeTx, r, db.clock()))
}
