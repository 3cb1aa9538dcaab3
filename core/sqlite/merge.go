package sqlite

import (
	"context"
	"database/sql"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// MergeIssues moves others into into (see core.AdminStore) in one
// transaction under the writer lock, so that no batch can write to an issue
// being merged away; the writer's caches forget every issue involved.
func (db *DB) MergeIssues(ctx context.Context, into int64, others []int64) (*core.Issue, error) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	is, err := sqlq.MergeIssues(ctx, db.lockedTx, into, others)
	db.forgetIssues(append([]int64{into}, others...)...)
	return is, err
}

// DeleteIssue removes the issue and, by cascade, its events, fingerprints,
// counts and alerts; ENOTFOUND for an unknown issue.
func (db *DB) DeleteIssue(ctx context.Context, id int64) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	err := db.tx(ctx, func(tx *sql.Tx) error { return sqlq.DeleteIssue(ctx, conn{tx}, id) })
	db.forgetIssues(id)
	return err
}
