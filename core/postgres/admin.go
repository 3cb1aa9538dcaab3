package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// ScheduleProjectDeletion hides the project, revokes its keys and frees its
// name, in one transaction; PurgeDeletedProjects removes its data later.
// ENOTFOUND for an unknown or already deleted project.
func (db *DB) ScheduleProjectDeletion(ctx context.Context, id int64) error {
	now := db.clock()
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE projects SET deleted_at = $1, name = $2 WHERE id = $3 AND deleted_at IS NULL`,
			now, dbutil.DeletedName(id), id)
		if err != nil {
			return fmt.Errorf("postgres: delete project: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return core.Errorf(core.ENOTFOUND, "project %d not found", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE project_keys SET revoked_at = $1 WHERE project_id = $2 AND revoked_at IS NULL`, now, id); err != nil {
			return fmt.Errorf("postgres: revoke keys of deleted project: %w", err)
		}
		return nil
	})
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

// FindKeys returns every key of the project, revoked ones included, oldest
// first; ENOTFOUND for an unknown project.
func (db *DB) FindKeys(ctx context.Context, projectID int64) ([]*core.ProjectKey, error) {
	p, err := findProject(ctx, db.pool, projectID, false)
	if err != nil {
		return nil, err
	}
	p.Keys = nil
	if err := attachKeys(ctx, db.pool, []*core.Project{p}, `WHERE project_id = $1`, projectID); err != nil {
		return nil, err
	}
	if p.Keys == nil {
		p.Keys = []*core.ProjectKey{}
	}
	return p.Keys, nil
}

// UpdateKey changes an active key of the project; ENOTFOUND or EINVALID.
func (db *DB) UpdateKey(ctx context.Context, projectID int64, publicKey string, upd core.KeyUpdate) (*core.ProjectKey, error) {
	var k *core.ProjectKey
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		k, err = scanKey(tx.QueryRow(ctx, `SELECT `+keyCols+` FROM project_keys
			WHERE project_id = $1 AND public_key = $2 AND revoked_at IS NULL FOR UPDATE`, projectID, publicKey))
		if errors.Is(err, pgx.ErrNoRows) {
			return core.Errorf(core.ENOTFOUND, "project %d has no active key %s", projectID, publicKey)
		} else if err != nil {
			return fmt.Errorf("postgres: find key: %w", err)
		}
		if err := dbutil.ApplyKeyUpdate(k, upd); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE project_keys SET label = $1, rate_limit = $2 WHERE public_key = $3`,
			k.Label, k.RateLimit, publicKey); err != nil {
			return fmt.Errorf("postgres: update key: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}
