package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

const projectCols = `id, name, created_at, rate_limit, retention_days, grouping_config, grouping_config_previous, grouping_transition_until`

// CreateProject inserts p with one new key, in one transaction. A
// duplicate name is ECONFLICT, an invalid project EINVALID.
func (db *DB) CreateProject(ctx context.Context, p *core.Project) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := db.clock()
	key := &core.ProjectKey{PublicKey: dbutil.NewPublicKey(), Label: "Default", CreatedAt: now}
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO projects (name, created_at, rate_limit, retention_days, grouping_config) VALUES (?, ?, ?, ?, ?)`,
			p.Name, us(now), p.RateLimit, p.RetentionDays, p.GroupingConfig)
		if isUnique(err) {
			return core.Errorf(core.ECONFLICT, "a project named %q already exists", p.Name)
		} else if err != nil {
			return fmt.Errorf("sqlite: insert project: %w", err)
		}
		if key.ProjectID, err = res.LastInsertId(); err != nil {
			return err
		}
		return insertKey(ctx, tx, key)
	})
	if err != nil {
		return err
	}
	p.ID, p.CreatedAt = key.ProjectID, now
	p.Keys = append(p.Keys, key)
	return nil
}

func insertKey(ctx context.Context, tx *sql.Tx, k *core.ProjectKey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO project_keys (public_key, project_id, label, rate_limit, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.PublicKey, k.ProjectID, k.Label, k.RateLimit, us(k.CreatedAt))
	if isUnique(err) {
		return core.Errorf(core.ECONFLICT, "the key %s already exists", k.PublicKey)
	} else if isForeignKey(err) {
		return core.Errorf(core.ENOTFOUND, "project %d not found", k.ProjectID)
	} else if err != nil {
		return fmt.Errorf("sqlite: insert key: %w", err)
	}
	return nil
}

// FindProjectByID returns the project with its active keys, or ENOTFOUND.
func (db *DB) FindProjectByID(ctx context.Context, id int64) (*core.Project, error) {
	return findProject(ctx, db.rdb, id)
}

func findProject(ctx context.Context, q querier, id int64) (*core.Project, error) {
	p, err := scanProject(q.QueryRowContext(ctx, `SELECT `+projectCols+` FROM projects WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "project %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find project: %w", err)
	}
	if err := attachKeys(ctx, q, []*core.Project{p}, `WHERE project_id = ? AND revoked_at IS NULL`, id); err != nil {
		return nil, err
	}
	return p, nil
}

// FindProjects returns every project with its active keys, by id.
func (db *DB) FindProjects(ctx context.Context) ([]*core.Project, error) {
	rows, err := db.rdb.QueryContext(ctx, `SELECT `+projectCols+` FROM projects WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find projects: %w", err)
	}
	defer rows.Close()
	ps := []*core.Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find projects: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find projects: %w", err)
	}
	rows.Close()
	if err := attachKeys(ctx, db.rdb, ps, `WHERE revoked_at IS NULL`); err != nil {
		return nil, err
	}
	return ps, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanProject(s scanner) (*core.Project, error) {
	var p core.Project
	var created int64
	var until sql.NullInt64
	if err := s.Scan(&p.ID, &p.Name, &created, &p.RateLimit, &p.RetentionDays, &p.GroupingConfig, &p.PreviousGroupingConfig, &until); err != nil {
		return nil, err
	}
	p.CreatedAt = tm(created)
	p.GroupingTransitionUntil = tmPtr(until)
	p.Keys = []*core.ProjectKey{}
	return &p, nil
}

// attachKeys loads the keys selected by where into their projects, oldest
// first.
func attachKeys(ctx context.Context, q querier, ps []*core.Project, where string, args ...any) error {
	byID := make(map[int64]*core.Project, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	rows, err := q.QueryContext(ctx, `SELECT `+keyCols+` FROM project_keys `+where+` ORDER BY created_at, public_key`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: find keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return fmt.Errorf("sqlite: find keys: %w", err)
		}
		if p := byID[k.ProjectID]; p != nil {
			p.Keys = append(p.Keys, k)
		}
	}
	return rows.Err()
}

// UpdateProject changes the given fields; ENOTFOUND, ECONFLICT on a
// duplicate name, EINVALID on invalid values.
func (db *DB) UpdateProject(ctx context.Context, id int64, upd core.ProjectUpdate) (*core.Project, error) {
	var p *core.Project
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = findProject(ctx, tx, id); err != nil {
			return err
		}
		if upd.Name != nil {
			p.Name = *upd.Name
		}
		if upd.RateLimit != nil {
			p.RateLimit = *upd.RateLimit
		}
		if upd.RetentionDays != nil {
			p.RetentionDays = *upd.RetentionDays
		}
		if err := p.ApplyGroupingConfig(upd, db.clock()); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE projects SET name = ?, rate_limit = ?, retention_days = ?, grouping_config = ?, grouping_config_previous = ?, grouping_transition_until = ? WHERE id = ?`,
			p.Name, p.RateLimit, p.RetentionDays, p.GroupingConfig, p.PreviousGroupingConfig, usPtr(p.GroupingTransitionUntil), id)
		if isUnique(err) {
			return core.Errorf(core.ECONFLICT, "a project named %q already exists", p.Name)
		} else if err != nil {
			return fmt.Errorf("sqlite: update project: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProject removes the project and, by cascade, everything stored for
// it; ENOTFOUND for an unknown id.
func (db *DB) DeleteProject(ctx context.Context, id int64) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM projects WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete project: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "project %d not found", id)
		}
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
		return nil
	})
}
