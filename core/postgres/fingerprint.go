package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
)

// FindIssueFingerprints returns the hashes leading to the issue with their
// grouping configurations, oldest first; ENOTFOUND for an unknown issue.
func (db *DB) FindIssueFingerprints(ctx context.Context, issueID int64) ([]*core.Fingerprint, error) {
	if _, err := findIssue(ctx, db.pool, issueID, false); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT hash, config, created_at FROM issue_fingerprints
		WHERE issue_id = $1 ORDER BY created_at, hash`, issueID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find fingerprints: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Fingerprint, error) {
		var f core.Fingerprint
		err := r.Scan(&f.Hash, &f.Config, &f.CreatedAt)
		f.CreatedAt = f.CreatedAt.UTC()
		return &f, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find fingerprints: %w", err)
	}
	if out == nil {
		out = []*core.Fingerprint{}
	}
	return out, nil
}
