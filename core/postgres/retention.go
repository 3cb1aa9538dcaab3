package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultPruneLimit is the batch of a retention call given no limit.
const defaultPruneLimit = 1000

// PruneEvents deletes up to limit of the project's events received before
// before (oldest first, attachments by cascade), then, within the same
// limit, its rejected events, in one short transaction. Concurrent callers
// (several nodes) may pick the same rows; the second then skips them. See
// core.RetentionStore.
func (db *DB) PruneEvents(ctx context.Context, projectID int64, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultPruneLimit
	}
	var n int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM events
			WHERE project_id = $1 AND received < $2 ORDER BY received LIMIT $3)`, projectID, before, limit)
		if err != nil {
			return fmt.Errorf("postgres: prune events: %w", err)
		}
		n = tag.RowsAffected()
		if n >= int64(limit) {
			return nil
		}
		tag, err = tx.Exec(ctx, `DELETE FROM rejected_events WHERE id IN (SELECT id FROM rejected_events
			WHERE project_id = $1 AND received < $2 ORDER BY received LIMIT $3)`, projectID, before, int64(limit)-n)
		if err != nil {
			return fmt.Errorf("postgres: prune rejected events: %w", err)
		}
		n += tag.RowsAffected()
		return nil
	})
	return int(n), err
}

// CapEvents deletes up to limit of the project's oldest events beyond its
// newest keep, in one statement: the count and the choice of rows share
// its snapshot, so two nodes capping at once pick the same rows and the
// second deletes none of them twice. See core.RetentionStore.
func (db *DB) CapEvents(ctx context.Context, projectID int64, keep, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultPruneLimit
	}
	if keep < 0 {
		keep = 0
	}
	tag, err := db.pool.Exec(ctx, `DELETE FROM events WHERE id IN (
		SELECT id FROM events WHERE project_id = $1 ORDER BY received, id
		LIMIT least($3, greatest((SELECT count(*) FROM events WHERE project_id = $1) - $2, 0)))`,
		projectID, keep, limit)
	if err != nil {
		return 0, fmt.Errorf("postgres: cap events: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// PruneIssues deletes up to limit of the project's issues that have no
// event left, were last seen before before and have no pending
// notification; their fingerprints, hourly counts, alerts and
// notifications go by cascade. It locks the candidates first (skipping
// rows another transaction holds, such as a batch adding an event), then
// checks again for events under a fresh snapshot before deleting, so an
// issue that got an event meanwhile stays. See core.RetentionStore.
func (db *DB) PruneIssues(ctx context.Context, projectID int64, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultPruneLimit
	}
	var n int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT i.id FROM issues i
			WHERE i.project_id = $1 AND i.last_seen < $2
			AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = i.id)
			AND NOT EXISTS (SELECT 1 FROM alerts a JOIN notifications n ON n.alert_id = a.id
				WHERE a.issue_id = i.id AND n.state = 'pending')
			ORDER BY i.last_seen LIMIT $3 FOR UPDATE OF i SKIP LOCKED`, projectID, before, limit)
		if err != nil {
			return fmt.Errorf("postgres: find empty issues: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("postgres: find empty issues: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		tag, err := tx.Exec(ctx, `DELETE FROM issues i WHERE i.id = ANY($1)
			AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = i.id)`, ids)
		if err != nil {
			return fmt.Errorf("postgres: prune issues: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}
