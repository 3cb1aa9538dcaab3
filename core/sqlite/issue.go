package sqlite

import (
	"context"
	"database/sql"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

const issueCols = sqlq.IssueCols

func scanIssue(s scanner) (*dbutil.IssueRow, error) { return sqlq.ScanIssue(timeScanner{s}) }

// UpdateIssue applies upd (see core.Issue.Update) and returns the
// issue; ENOTFOUND or EINVALID.
func (db *DB) UpdateIssue(ctx context.Context, id int64, upd core.IssueUpdate) (*core.Issue, error) {
	var r *dbutil.IssueRow
	db.wmu.Lock()
	defer db.wmu.Unlock()
	delete(db.issues, id)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = sqlq.UpdateIssue(ctx, conn{tx}, id, "", upd, db.clock())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}
