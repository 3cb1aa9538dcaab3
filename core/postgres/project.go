package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO projects (name, created_at, rate_limit, retention_days, grouping_config) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			p.Name, now, p.RateLimit, p.RetentionDays, p.GroupingConfig).Scan(&key.ProjectID)
		if isUnique(err) {
			return core.Errorf(core.ECONFLICT, "a project named %q already exists", p.Name)
		} else if err != nil {
			return fmt.Errorf("postgres: insert project: %w", err)
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

func insertKey(ctx context.Context, q querier, k *core.ProjectKey) error {
	_, err := q.Exec(ctx, `INSERT INTO project_keys (public_key, project_id, label, rate_limit, created_at) VALUES ($1, $2, $3, $4, $5)`,
		k.PublicKey, k.ProjectID, k.Label, k.RateLimit, k.CreatedAt)
	if isUnique(err) {
		return core.Errorf(core.ECONFLICT, "the key %s already exists", k.PublicKey)
	} else if isForeignKey(err) {
		return core.Errorf(core.ENOTFOUND, "project %d not found", k.ProjectID)
	} else if err != nil {
		return fmt.Errorf("postgres: insert key: %w", err)
	}
	return nil
}

// FindProjectByID returns the project with its active keys, or ENOTFOUND.
func (db *DB) FindProjectByID(ctx context.Context, id int64) (*core.Project, error) {
	return findProject(ctx, db.pool, id, false)
}

func findProject(ctx context.Context, q querier, id int64, lock bool) (*core.Project, error) {
	query := `SELECT ` + projectCols + ` FROM projects WHERE id = $1 AND deleted_at IS NULL`
	if lock {
		query += ` FOR UPDATE`
	}
	p, err := scanProject(q.QueryRow(ctx, query, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "project %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: find project: %w", err)
	}
	if err := attachKeys(ctx, q, []*core.Project{p}, `WHERE project_id = $1 AND revoked_at IS NULL`, id); err != nil {
		return nil, err
	}
	return p, nil
}

// FindProjects returns every project with its active keys, by id.
func (db *DB) FindProjects(ctx context.Context) ([]*core.Project, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+projectCols+` FROM projects WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: find projects: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Project, error) { return scanProject(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: find projects: %w", err)
	}
	if ps == nil {
		ps = []*core.Project{}
	}
	if err := attachKeys(ctx, db.pool, ps, `WHERE revoked_at IS NULL`); err != nil {
		return nil, err
	}
	return ps, nil
}

func scanProject(s pgx.Row) (*core.Project, error) {
	var p core.Project
	if err := s.Scan(&p.ID, &p.Name, &p.CreatedAt, &p.RateLimit, &p.RetentionDays, &p.GroupingConfig, &p.PreviousGroupingConfig, &p.GroupingTransitionUntil); err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if p.GroupingTransitionUntil != nil {
		u := p.GroupingTransitionUntil.UTC()
		p.GroupingTransitionUntil = &u
	}
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
	rows, err := q.Query(ctx, `SELECT `+keyCols+` FROM project_keys `+where+` ORDER BY created_at, public_key`, args...)
	if err != nil {
		return fmt.Errorf("postgres: find keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.ProjectKey, error) { return scanKey(r) })
	if err != nil {
		return fmt.Errorf("postgres: find keys: %w", err)
	}
	for _, k := range keys {
		if p := byID[k.ProjectID]; p != nil {
			p.Keys = append(p.Keys, k)
		}
	}
	return nil
}

// UpdateProject changes the given fields; ENOTFOUND, ECONFLICT on a
// duplicate name, EINVALID on invalid values.
func (db *DB) UpdateProject(ctx context.Context, id int64, upd core.ProjectUpdate) (*core.Project, error) {
	var p *core.Project
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if p, err = findProject(ctx, tx, id, true); err != nil {
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
		_, err = tx.Exec(ctx, `UPDATE projects SET name = $1, rate_limit = $2, retention_days = $3, grouping_config = $4, grouping_config_previous = $5, grouping_transition_until = $6 WHERE id = $7`,
			p.Name, p.RateLimit, p.RetentionDays, p.GroupingConfig, p.PreviousGroupingConfig, p.GroupingTransitionUntil, id)
		if isUnique(err) {
			return core.Errorf(core.ECONFLICT, "a project named %q already exists", p.Name)
		} else if err != nil {
			return fmt.Errorf("postgres: update project: %w", err)
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
	tag, err := db.pool.Exec(ctx, `DELETE FROM projects WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete project: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return core.Errorf(core.ENOTFOUND, "project %d not found", id)
	}
	return nil
}

const keyCols = `public_key, project_id, label, rate_limit, created_at, revoked_at`

func scanKey(s pgx.Row) (*core.ProjectKey, error) {
	var k core.ProjectKey
	if err := s.Scan(&k.PublicKey, &k.ProjectID, &k.Label, &k.RateLimit, &k.CreatedAt, &k.RevokedAt); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = k.CreatedAt.UTC(), utcPtr(k.RevokedAt)
	return &k, nil
}

// CreateKey adds k to the project (PublicKey generated when empty); ENOTFOUND
// for an unknown project, ECONFLICT for an existing key, EINVALID for bad
// fields.
func (db *DB) CreateKey(ctx context.Context, projectID int64, k *core.ProjectKey) error {
	if err := dbutil.ValidateKey(k); err != nil {
		return err
	}
	nk := *k
	if nk.PublicKey == "" {
		nk.PublicKey = dbutil.NewPublicKey()
	}
	nk.ProjectID, nk.CreatedAt, nk.RevokedAt = projectID, db.clock(), nil
	if err := insertKey(ctx, db.pool, &nk); err != nil {
		return err
	}
	*k = nk
	return nil
}

// RevokeKey marks an active key of the project revoked, or returns
// ENOTFOUND.
func (db *DB) RevokeKey(ctx context.Context, projectID int64, publicKey string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE project_keys SET revoked_at = $1 WHERE project_id = $2 AND public_key = $3 AND revoked_at IS NULL`,
		db.clock(), projectID, publicKey)
	if err != nil {
		return fmt.Errorf("postgres: revoke key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return core.Errorf(core.ENOTFOUND, "project %d has no active key %s", projectID, publicKey)
	}
	return nil
}

// FindKey returns the key, revoked or not, or ENOTFOUND.
func (db *DB) FindKey(ctx context.Context, publicKey string) (*core.ProjectKey, error) {
	k, err := scanKey(db.pool.QueryRow(ctx, `SELECT `+keyCols+` FROM project_keys WHERE public_key = $1`, publicKey))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "key not found")
	} else if err != nil {
		return nil, fmt.Errorf("postgres: find key: %w", err)
	}
	return k, nil
}
