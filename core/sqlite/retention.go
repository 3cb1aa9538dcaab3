package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// defaultPruneLimit is the batch of a retention call given no limit.
const defaultPruneLimit = 1000

// PruneEvents deletes up to limit of the project's events received before
// before (oldest first, attachments by cascade), then, within the same
// limit, its rejected events; one short transaction under the writer
// mutex. See core.RetentionStore.
func (db *DB) PruneEvents(ctx context.Context, projectID int64, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultPruneLimit
	}
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM events
			WHERE project_id = ? AND received < ? ORDER BY received LIMIT ?)`, projectID, us(before), limit)
		if err != nil {
			return fmt.Errorf("sqlite: prune events: %w", err)
		}
		n, _ = res.RowsAffected()
		if n >= int64(limit) {
			return nil
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM rejected_events WHERE id IN (SELECT id FROM rejected_events
			WHERE project_id = ? AND received < ? ORDER BY received LIMIT ?)`, projectID, us(before), int64(limit)-n)
		if err != nil {
			return fmt.Errorf("sqlite: prune rejected events: %w", err)
		}
		r, _ := res.RowsAffected()
		n += r
		return nil
	})
	return int(n), err
}

// CapEvents deletes up to limit of the project's oldest events beyond its
// newest keep. The events to delete are chosen on a read connection (the
// count is a scan of the project's index), so the writer is held only for
// the delete itself. See core.RetentionStore.
func (db *DB) CapEvents(ctx context.Context, projectID int64, keep, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultPruneLimit
	}
	if keep < 0 {
		keep = 0
	}
	var total int
	if err := db.rdb.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE project_id = ?`, projectID).Scan(&total); err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	excess := min(total-keep, limit)
	if excess <= 0 {
		return 0, nil
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT id FROM events WHERE project_id = ? ORDER BY received, id LIMIT ?`,
		projectID, excess)
	if err != nil {
		return 0, fmt.Errorf("sqlite: find events over the cap: %w", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return 0, fmt.Errorf("sqlite: find events over the cap: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err = db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
		if err != nil {
			return fmt.Errorf("sqlite: cap events: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// PruneIssues deletes up to limit of the project's issues that have no
// event left, were last seen before before and have no pending
// notification; their fingerprints, hourly counts, alerts and
// notifications go by cascade. It runs under the writer mutex, so no batch
// can add an event to an issue between the check and the delete, and the
// writer's caches forget the deleted issues. See core.RetentionStore.
func (db *DB) PruneIssues(ctx context.Context, projectID int64, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultPruneLimit
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	var ids []int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT i.id FROM issues i
			WHERE i.project_id = ? AND i.last_seen < ?
			AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = i.id)
			AND NOT EXISTS (SELECT 1 FROM alerts a JOIN notifications n ON n.alert_id = a.id
				WHERE a.issue_id = i.id AND n.state = 'pending')
			ORDER BY i.last_seen LIMIT ?`, projectID, us(before), limit)
		if err != nil {
			return fmt.Errorf("sqlite: find empty issues: %w", err)
		}
		if ids, err = scanIDs(rows); err != nil {
			return fmt.Errorf("sqlite: find empty issues: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM issues WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...); err != nil {
			return fmt.Errorf("sqlite: prune issues: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	db.forgetIssues(ids...)
	return len(ids), nil
}

// scanIDs reads one int64 column and closes rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
