package postgres

import (
	"context"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// MergeIssues moves others into into (see core.AdminStore) in one
// transaction. It locks every issue involved in id order, as WriteEvents
// does, so a concurrent batch either commits first (and its events move
// with the rest) or waits and then finds the fingerprints pointing at
// into. A deadlock with another node's batch is retried.
func (db *DB) MergeIssues(ctx context.Context, into int64, others []int64) (*core.Issue, error) {
	for attempt := 1; ; attempt++ {
		is, err := sqlq.MergeIssues(ctx, db.writeTx, into, others)
		if err == nil || !isRetryable(err) || attempt == 4 {
			return is, err
		}
		time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	}
}
