package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// MergeIssues moves others into into (see core.AdminStore) in one
// transaction. It locks every issue involved in id order, as WriteEvents
// does, so a concurrent batch either commits first (and its events move
// with the rest) or waits and then finds the fingerprints pointing at
// into. A deadlock with another node's batch is retried.
func (db *DB) MergeIssues(ctx context.Context, into int64, others []int64) (*core.Issue, error) {
	ids, err := dbutil.MergeIDs(into, others)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		var r *dbutil.IssueRow
		err := db.tx(ctx, func(tx pgx.Tx) error {
			var err error
			r, err = sqlq.MergeIssues(ctx, conn{tx}, into, ids)
			return err
		})
		if err == nil {
			return &r.Issue, nil
		}
		if !isRetryable(err) || attempt == 4 {
			return nil, err
		}
		time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	}
}
