package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CapEvents deletes up to limit of the project's oldest events beyond its
// newest keep. The events to delete are chosen on a read connection (the
// count is a scan of the project's index), so the writer is held only for
// the delete itself. See core.RetentionStore.
func (db *DB) CapEvents(ctx context.Context, projectID int64, keep, limit int) (int, error) {
	keep, limit = sqlq.CapBounds(keep, limit)
	var total int
	if err := db.rdb.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE project_id = ?`, projectID).Scan(&total); err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	excess := min(total-keep, limit)
	if excess <= 0 {
		return 0, nil
	}
	ids, err := sqlq.Collect(ctx, conn{db.rdb}, `SELECT id FROM events WHERE project_id = ? ORDER BY received, id LIMIT ?`,
		[]any{projectID, excess}, sqlq.ScanID)
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
	db.wmu.Lock()
	defer db.wmu.Unlock()
	var ids []int64
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, n, err = sqlq.PruneIssues(ctx, conn{tx}, projectID, before, limit)
		return err
	})
	if err != nil {
		return 0, err
	}
	db.forgetIssues(ids...)
	return n, nil
}
