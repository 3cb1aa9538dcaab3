package sqlite

import (
	"context"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CountIssueEvents counts the issue's events with a timestamp at or after
// since, reading at most limit index entries (events_issue_timestamp).
func (db *DB) CountIssueEvents(ctx context.Context, issueID int64, since time.Time, limit int) (int, error) {
	return sqlq.CountIssueEvents(ctx, conn{db.rdb}, issueID, since, limit)
}

// CreateThresholdAlert creates a threshold alert with its notifications
// unless the rule fired for the issue within t.Interval; see
// core.AlertStore. The single writer makes the check and the insert
// atomic.
func (db *DB) CreateThresholdAlert(ctx context.Context, t core.ThresholdAlert) (*core.Alert, bool, error) {
	return sqlq.CreateThresholdAlert(ctx, db.writeTx, t, "")
}
