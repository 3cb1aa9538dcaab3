package sqlite

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// FindEvents returns one page of an issue's events, newest first; ENOTFOUND
// for an unknown issue.
func (db *DB) FindEvents(ctx context.Context, f core.EventFilter) ([]*core.Event, string, error) {
	return sqlq.FindEvents(ctx, conn{db.rdb}, f)
}

// FindEventByID returns an event of the project with its payload, data and
// attachment metadata, or ENOTFOUND.
func (db *DB) FindEventByID(ctx context.Context, projectID int64, eventID string) (*core.Event, error) {
	return sqlq.FindEventByID(ctx, conn{db.rdb}, projectID, eventID)
}

// FindAttachment returns one attachment of an event with its data, or
// ENOTFOUND.
func (db *DB) FindAttachment(ctx context.Context, projectID int64, eventID string, id int64) (*core.Attachment, error) {
	return sqlq.FindAttachment(ctx, conn{db.rdb}, projectID, eventID, id)
}

// FindIssueFingerprints returns the hashes leading to the issue with their
// grouping configurations, oldest first; ENOTFOUND for an unknown issue.
func (db *DB) FindIssueFingerprints(ctx context.Context, issueID int64) ([]*core.Fingerprint, error) {
	return sqlq.FindIssueFingerprints(ctx, conn{db.rdb}, issueID)
}

// WriteRejected keeps a payload that could not be processed and counts it
// in the hourly stats; ENOTFOUND for an unknown project.
func (db *DB) WriteRejected(ctx context.Context, r *core.RejectedEvent) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := sqlq.WriteRejected(ctx, db.lockedTx, r, db.clock()); err != nil {
		return db.writeFailed(ctx, err)
	}
	return nil
}
