package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// ScheduleProjectDeletion hides the project, revokes its keys and frees its
// name, in one transaction; PurgeDeletedProjects removes its data later.
// ENOTFOUND for an unknown or already deleted project.
func (db *DB) ScheduleProjectDeletion(ctx context.Context, id int64) error {
	return sqlq.ScheduleProjectDeletion(ctx, db.writeTx, id, db.clock())
}

// PurgeDeletedProjects deletes up to limit events, then issues, then
// rejected events of the oldest project scheduled for deletion (one kind of
// row per call, each its own short transaction), and the project row once
// none is left. It reports whether anything is left to purge.
func (db *DB) PurgeDeletedProjects(ctx context.Context, limit int) (bool, error) {
	if limit <= 0 {
		limit = 500
	}
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM projects WHERE deleted_at IS NOT NULL ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("postgres: find deleted projects: %w", err)
	}
	for _, q := range []string{
		`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE project_id = $1 LIMIT $2)`,
		`DELETE FROM issues WHERE id IN (SELECT id FROM issues WHERE project_id = $1 ORDER BY id LIMIT $2)`,
		`DELETE FROM rejected_events WHERE id IN (SELECT id FROM rejected_events WHERE project_id = $1 LIMIT $2)`,
	} {
		tag, err := db.pool.Exec(ctx, q, id, limit)
		if err != nil {
			return false, fmt.Errorf("postgres: purge project %d: %w", id, err)
		}
		if tag.RowsAffected() > 0 {
			return true, nil
		}
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM projects WHERE id = $1 AND deleted_at IS NOT NULL`, id); err != nil {
		return false, fmt.Errorf("postgres: purge project %d: %w", id, err)
	}
	var more bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE deleted_at IS NOT NULL)`).Scan(&more); err != nil {
		return false, fmt.Errorf("postgres: find deleted projects: %w", err)
	}
	return more, nil
}
