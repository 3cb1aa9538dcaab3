package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
// row per call), and the project row once none is left. It reports whether
// anything is left to purge.
func (db *DB) PurgeDeletedProjects(ctx context.Context, limit int) (bool, error) {
	if limit <= 0 {
		limit = 500
	}
	var id int64
	err := db.rdb.QueryRowContext(ctx, `SELECT id FROM projects WHERE deleted_at IS NOT NULL ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("sqlite: find deleted projects: %w", err)
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	for _, q := range []string{
		`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE project_id = ? LIMIT ?)`,
		`DELETE FROM issues WHERE id IN (SELECT id FROM issues WHERE project_id = ? LIMIT ?)`,
		`DELETE FROM rejected_events WHERE id IN (SELECT id FROM rejected_events WHERE project_id = ? LIMIT ?)`,
	} {
		var n int64
		err := db.tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, q, id, limit)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return false, fmt.Errorf("sqlite: purge project %d: %w", id, err)
		}
		if n > 0 {
			db.forgetProject(id)
			return true, nil
		}
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM projects WHERE id = ? AND deleted_at IS NOT NULL`, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: purge project %d: %w", id, err)
	}
	db.forgetProject(id)
	var more int
	if err := db.rdb.QueryRowContext(ctx, `SELECT count(*) FROM projects WHERE deleted_at IS NOT NULL`).Scan(&more); err != nil {
		return false, fmt.Errorf("sqlite: find deleted projects: %w", err)
	}
	return more > 0, nil
}

// forgetProject drops the writer's cached issues of a project; the caller
// holds wmu.
func (db *DB) forgetProject(id int64) {
	for k := range db.cache {
		if k.project == id {
			delete(db.cache, k)
		}
	}
	for issueID, r := range db.issues {
		if r.ProjectID == id {
			delete(db.issues, issueID)
		}
	}
}

// forgetIssues drops the writer's cached rows and fingerprints of issues;
// the caller holds wmu.
func (db *DB) forgetIssues(ids ...int64) {
	gone := make(map[int64]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
		delete(db.issues, id)
	}
	for k, id := range db.cache {
		if gone[id] {
			delete(db.cache, k)
		}
	}
}
