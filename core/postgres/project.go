package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

const projectCols = sqlq.ProjectCols

func scanProject(s pgx.Row) (*core.Project, error) { return sqlq.ScanProject(utcScanner{s}) }

// CreateProject inserts p with one new key, in one transaction. A
// duplicate name is ECONFLICT, an invalid project EINVALID.
func (db *DB) CreateProject(ctx context.Context, p *core.Project) error {
	return sqlq.CreateProject(ctx, db.writeTx, p, db.clock())
}

// FindProjectByID returns the project with its active keys, or ENOTFOUND.
func (db *DB) FindProjectByID(ctx context.Context, id int64) (*core.Project, error) {
	return sqlq.FindProject(ctx, conn{db.pool}, id, "")
}

// FindProjects returns every project with its active keys, by id.
func (db *DB) FindProjects(ctx context.Context) ([]*core.Project, error) {
	return sqlq.FindProjects(ctx, conn{db.pool})
}

// UpdateProject changes the given fields; ENOTFOUND, ECONFLICT on a
// duplicate name, EINVALID on invalid values.
func (db *DB) UpdateProject(ctx context.Context, id int64, upd core.ProjectUpdate) (*core.Project, error) {
	return sqlq.UpdateProject(ctx, db.writeTx, id, upd, db.clock())
}

// DeleteProject removes the project and, by cascade, everything stored for
// it; ENOTFOUND for an unknown id.
func (db *DB) DeleteProject(ctx context.Context, id int64) error {
	return sqlq.DeleteProject(ctx, conn{db.pool}, id)
}

// CreateKey adds k to the project (PublicKey generated when empty); ENOTFOUND
// for an unknown project, ECONFLICT for an existing key, EINVALID for bad
// fields.
func (db *DB) CreateKey(ctx context.Context, projectID int64, k *core.ProjectKey) error {
	return sqlq.CreateKey(ctx, db.pooled, projectID, k, db.clock())
}

// RevokeKey marks an active key of the project revoked, or returns
// ENOTFOUND.
func (db *DB) RevokeKey(ctx context.Context, projectID int64, publicKey string) error {
	return sqlq.RevokeKey(ctx, conn{db.pool}, projectID, publicKey, db.clock())
}

// FindKey returns the key, revoked or not, or ENOTFOUND.
func (db *DB) FindKey(ctx context.Context, publicKey string) (*core.ProjectKey, error) {
	return sqlq.FindKey(ctx, conn{db.pool}, publicKey)
}

// FindKeys returns every key of the project, revoked ones included, oldest
// first; ENOTFOUND for an unknown project.
func (db *DB) FindKeys(ctx context.Context, projectID int64) ([]*core.ProjectKey, error) {
	return sqlq.FindKeys(ctx, conn{db.pool}, projectID)
}

// UpdateKey changes an active key of the project; ENOTFOUND or EINVALID.
func (db *DB) UpdateKey(ctx context.Context, projectID int64, publicKey string, upd core.KeyUpdate) (*core.ProjectKey, error) {
	return sqlq.UpdateKey(ctx, db.writeTx, projectID, publicKey, upd)
}
