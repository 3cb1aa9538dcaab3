package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

const issueCols = sqlq.IssueCols

func scanIssue(s pgx.Row) (*dbutil.IssueRow, error) { return sqlq.ScanIssue(utcScanner{s}) }

// lockIssue is the lock UpdateIssue and merges take on an issue row:
// compatible with the KEY SHARE locks of event inserts.
const lockIssue = "FOR NO KEY UPDATE"

// UpdateIssue applies upd (see core.Issue.Update) and returns the issue;
// ENOTFOUND or EINVALID.
func (db *DB) UpdateIssue(ctx context.Context, id int64, upd core.IssueUpdate) (*core.Issue, error) {
	var r *dbutil.IssueRow
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		r, err = sqlq.UpdateIssue(ctx, conn{tx}, id, lockIssue, upd, db.clock())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}
