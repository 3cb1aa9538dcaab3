package sqlite

import (
	"context"
	"database/sql"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

const projectCols = sqlq.ProjectCols

func scanProject(s scanner) (*core.Project, error) { return sqlq.ScanProject(timeScanner{s}) }

func findProject(ctx context.Context, q querier, id int64) (*core.Project, error) {
	return sqlq.FindProject(ctx, conn{q}, id, "")
}

// CreateProject inserts p with one new key, in one transaction. A
// duplicate name is ECONFLICT, an invalid project EINVALID.
func (db *DB) CreateProject(ctx context.Context, p *core.Project) error {
	return sqlq.CreateProject(ctx, db.writeTx, p, db.clock())
}

// FindProjectByID returns the project with its active keys, or ENOTFOUND.
func (db *DB) FindProjectByID(ctx context.Context, id int64) (*core.Project, error) {
	return findProject(ctx, db.rdb, id)
}

// FindProjects returns every project with its active keys, by id.
func (db *DB) FindProjects(ctx context.Context) ([]*core.Project, error) {
	return sqlq.FindProjects(ctx, conn{db.rdb})
}

// UpdateProject changes the given fields; ENOTFOUND, ECONFLICT on a
// duplicate name, EINVALID on invalid values.
func (db *DB) UpdateProject(ctx context.Context, id int64, upd core.ProjectUpdate) (*core.Project, error) {
	return sqlq.UpdateProject(ctx, db.writeTx, id, upd, db.clock())
}

// DeleteProject removes the project and, by cascade, everything stored for
// it; ENOTFOUND for an unknown id.
func (db *DB) DeleteProject(ctx context.Context, id int64) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := sqlq.DeleteProject(ctx, conn{tx}, id); err != nil {
			return err
		}
		db.forgetProject(id)
		return nil
	})
}
