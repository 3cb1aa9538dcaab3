package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// MergeIssues moves others into into (see core.AdminStore) in one
// transaction under the writer lock, so that no batch can write to an issue
// being merged away; the writer's caches forget every issue involved.
func (db *DB) MergeIssues(ctx context.Context, into int64, others []int64) (*core.Issue, error) {
	ids, err := dbutil.MergeIDs(into, others)
	if err != nil {
		return nil, err
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	var r *dbutil.IssueRow
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = findIssue(ctx, tx, into); err != nil {
			return err
		}
		rows := make([]*dbutil.IssueRow, 0, len(ids))
		for _, id := range ids {
			o, err := findIssue(ctx, tx, id)
			if err != nil {
				return err
			}
			if o.ProjectID != r.ProjectID {
				return core.FieldErrorf("issue_ids", "issue %d belongs to another project than issue %d", id, into)
			}
			rows = append(rows, o)
		}
		dbutil.MergeRows(r, rows)
		in := `(` + placeholders(len(ids)) + `)`
		args := append([]any{into}, int64Args(ids)...)
		for what, q := range map[string]string{
			"move fingerprints": `UPDATE issue_fingerprints SET issue_id = ? WHERE issue_id IN ` + in,
			"move events":       `UPDATE events SET issue_id = ? WHERE issue_id IN ` + in,
			"move alerts":       `UPDATE alerts SET issue_id = ? WHERE issue_id IN ` + in,
			"move counts": `INSERT INTO issue_hourly (issue_id, hour, count)
				SELECT ?, hour, sum(count) FROM issue_hourly WHERE issue_id IN ` + in + ` GROUP BY hour
				ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + excluded.count`,
			// The merged issues' tag values add to into's (past the
			// bound of values per key too: a merge keeps every count).
			"move tags": `INSERT INTO issue_tags (issue_id, key, value, project_id, count, last_seen)
				SELECT ?, key, value, project_id, sum(count), max(last_seen) FROM issue_tags WHERE issue_id IN ` + in + `
				GROUP BY key, value, project_id
				ON CONFLICT (issue_id, key, value) DO UPDATE SET count = count + excluded.count,
					last_seen = max(last_seen, excluded.last_seen)`,
		} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("sqlite: merge issues: %s: %w", what, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM issues WHERE id IN `+in, int64Args(ids)...); err != nil {
			return fmt.Errorf("sqlite: merge issues: delete merged: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE issues SET count = ?, first_seen = ?, last_seen = ?, last_event_id = ?,
			environment = ?, release = ? WHERE id = ?`,
			r.Count, us(r.FirstSeen), us(r.LastSeen), r.LastEventID, r.Environment, r.Release, into)
		if err != nil {
			return fmt.Errorf("sqlite: merge issues: update merged issue: %w", err)
		}
		return nil
	})
	db.forgetIssues(append(ids, into)...)
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}

// DeleteIssue removes the issue and, by cascade, its events, fingerprints,
// counts and alerts; ENOTFOUND for an unknown issue.
func (db *DB) DeleteIssue(ctx context.Context, id int64) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM issues WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete issue: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "issue %d not found", id)
		}
		return nil
	})
	db.forgetIssues(id)
	return err
}

// FindIssueHistogram returns the issue's events per hour since since,
// oldest first; ENOTFOUND for an unknown issue.
func (db *DB) FindIssueHistogram(ctx context.Context, issueID int64, since time.Time) ([]core.Bucket, error) {
	if _, err := findIssue(ctx, db.rdb, issueID); err != nil {
		return nil, err
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT hour, count FROM issue_hourly WHERE issue_id = ? AND hour >= ? ORDER BY hour`,
		issueID, us(dbutil.Hour(since)))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find issue histogram: %w", err)
	}
	defer rows.Close()
	out := []core.Bucket{}
	for rows.Next() {
		var hour, n int64
		if err := rows.Scan(&hour, &n); err != nil {
			return nil, fmt.Errorf("sqlite: find issue histogram: %w", err)
		}
		out = append(out, core.Bucket{Start: tm(hour), Count: n})
	}
	return out, rows.Err()
}

// FindAttachment returns one attachment of an event with its data, or
// ENOTFOUND.
func (db *DB) FindAttachment(ctx context.Context, projectID int64, eventID string, id int64) (*core.Attachment, error) {
	var a core.Attachment
	var data []byte
	err := db.rdb.QueryRowContext(ctx, `SELECT a.id, a.filename, a.content_type, a.attachment_type, a.size, a.data
		FROM attachments a JOIN events e ON e.id = a.event_pk
		WHERE e.project_id = ? AND e.event_id = ? AND a.id = ?`, projectID, eventID, id).
		Scan(&a.ID, &a.Filename, &a.ContentType, &a.AttachmentType, &a.Size, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "event %s of project %d has no attachment %d", eventID, projectID, id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find attachment: %w", err)
	}
	if a.Data, err = dbutil.Decompress(data); err != nil {
		return nil, fmt.Errorf("sqlite: attachment %d: %w", id, err)
	}
	if a.Data == nil {
		a.Data = []byte{}
	}
	return &a, nil
}
