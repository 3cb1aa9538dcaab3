package sqlite

import (
	"context"
	"fmt"

	"github.com/periscope-hq/periscope/core"
)

// FindIssueFingerprints returns the hashes leading to the issue with their
// grouping configurations, oldest first; ENOTFOUND for an unknown issue.
func (db *DB) FindIssueFingerprints(ctx context.Context, issueID int64) ([]*core.Fingerprint, error) {
	if _, err := findIssue(ctx, db.rdb, issueID); err != nil {
		return nil, err
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT hash, config, created_at FROM issue_fingerprints
		WHERE issue_id = ? ORDER BY created_at, hash`, issueID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find fingerprints: %w", err)
	}
	defer rows.Close()
	out := []*core.Fingerprint{}
	for rows.Next() {
		var f core.Fingerprint
		var created int64
		if err := rows.Scan(&f.Hash, &f.Config, &created); err != nil {
			return nil, fmt.Errorf("sqlite: find fingerprints: %w", err)
		}
		f.CreatedAt = tm(created)
		out = append(out, &f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find fingerprints: %w", err)
	}
	return out, nil
}
