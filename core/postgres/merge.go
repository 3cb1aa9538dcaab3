package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
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
		is, err := db.merge(ctx, into, ids)
		if err == nil || !isRetryable(err) || attempt == 4 {
			return is, err
		}
		time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	}
}

func (db *DB) merge(ctx context.Context, into int64, ids []int64) (*core.Issue, error) {
	var r *dbutil.IssueRow
	err := db.tx(ctx, func(tx pgx.Tx) error {
		all := append([]int64{into}, ids...)
		rows, err := tx.Query(ctx, `SELECT `+issueCols+` FROM issues WHERE id = ANY($1) ORDER BY id FOR UPDATE`, all)
		if err != nil {
			return fmt.Errorf("postgres: lock issues: %w", err)
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*dbutil.IssueRow, error) { return scanIssue(r) })
		if err != nil {
			return fmt.Errorf("postgres: lock issues: %w", err)
		}
		byID := map[int64]*dbutil.IssueRow{}
		for _, row := range list {
			byID[row.ID] = row
		}
		if r = byID[into]; r == nil {
			return core.Errorf(core.ENOTFOUND, "issue %d not found", into)
		}
		merged := make([]*dbutil.IssueRow, 0, len(ids))
		for _, id := range ids {
			o := byID[id]
			if o == nil {
				return core.Errorf(core.ENOTFOUND, "issue %d not found", id)
			}
			if o.ProjectID != r.ProjectID {
				return core.FieldErrorf("issue_ids", "issue %d belongs to another project than issue %d", id, into)
			}
			merged = append(merged, o)
		}
		dbutil.MergeRows(r, merged)
		batch := &pgx.Batch{}
		batch.Queue(`UPDATE issue_fingerprints SET issue_id = $1 WHERE issue_id = ANY($2)`, into, ids)
		batch.Queue(`UPDATE events SET issue_id = $1 WHERE issue_id = ANY($2)`, into, ids)
		batch.Queue(`UPDATE alerts SET issue_id = $1 WHERE issue_id = ANY($2)`, into, ids)
		batch.Queue(`INSERT INTO issue_hourly (issue_id, hour, count)
			SELECT $1, hour, sum(count) FROM issue_hourly WHERE issue_id = ANY($2) GROUP BY hour ORDER BY hour
			ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly.count + excluded.count`, into, ids)
		// The merged issues' tag values add to into's (past the bound of
		// values per key too: a merge keeps every count).
		batch.Queue(`INSERT INTO issue_tags (issue_id, key, value, project_id, count, last_seen)
			SELECT $1, key, value, project_id, sum(count), max(last_seen) FROM issue_tags WHERE issue_id = ANY($2)
			GROUP BY key, value, project_id ORDER BY key, value
			ON CONFLICT (issue_id, key, value) DO UPDATE SET count = issue_tags.count + excluded.count,
				last_seen = greatest(issue_tags.last_seen, excluded.last_seen)`, into, ids)
		batch.Queue(`DELETE FROM issues WHERE id = ANY($1)`, ids)
		batch.Queue(`UPDATE issues SET count = $1, first_seen = $2, last_seen = $3, last_event_id = $4,
			environment = $5, release = $6 WHERE id = $7`,
			r.Count, r.FirstSeen, r.LastSeen, r.LastEventID, r.Environment, r.Release, into)
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("postgres: merge issues: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}

// DeleteIssue removes the issue and, by cascade, its events, fingerprints,
// counts and alerts; ENOTFOUND for an unknown issue.
func (db *DB) DeleteIssue(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM issues WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete issue: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return core.Errorf(core.ENOTFOUND, "issue %d not found", id)
	}
	return nil
}

// FindIssueHistogram returns the issue's events per hour since since,
// oldest first; ENOTFOUND for an unknown issue.
func (db *DB) FindIssueHistogram(ctx context.Context, issueID int64, since time.Time) ([]core.Bucket, error) {
	if _, err := findIssue(ctx, db.pool, issueID, false); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT hour, count FROM issue_hourly WHERE issue_id = $1 AND hour >= $2 ORDER BY hour`,
		issueID, dbutil.Hour(since))
	if err != nil {
		return nil, fmt.Errorf("postgres: find issue histogram: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (core.Bucket, error) {
		var b core.Bucket
		err := r.Scan(&b.Start, &b.Count)
		b.Start = b.Start.UTC()
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find issue histogram: %w", err)
	}
	if out == nil {
		out = []core.Bucket{}
	}
	return out, nil
}

// FindAttachment returns one attachment of an event with its data, or
// ENOTFOUND.
func (db *DB) FindAttachment(ctx context.Context, projectID int64, eventID string, id int64) (*core.Attachment, error) {
	var a core.Attachment
	var data []byte
	err := db.pool.QueryRow(ctx, `SELECT a.id, a.filename, a.content_type, a.attachment_type, a.size, a.data
		FROM attachments a JOIN events e ON e.id = a.event_pk
		WHERE e.project_id = $1 AND e.event_id = $2 AND a.id = $3`, projectID, eventID, id).
		Scan(&a.ID, &a.Filename, &a.ContentType, &a.AttachmentType, &a.Size, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "event %s of project %d has no attachment %d", eventID, projectID, id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: find attachment: %w", err)
	}
	if a.Data, err = dbutil.Decompress(data); err != nil {
		return nil, fmt.Errorf("postgres: attachment %d: %w", id, err)
	}
	if a.Data == nil {
		a.Data = []byte{}
	}
	return &a, nil
}
