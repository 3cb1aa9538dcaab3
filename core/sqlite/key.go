package sqlite

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CreateKey adds k to the project (PublicKey generated when empty); ENOTFOUND
// for an unknown project, ECONFLICT for an existing key, EINVALID for bad
// fields.
func (db *DB) CreateKey(ctx context.Context, projectID int64, k *core.ProjectKey) error {
	return sqlq.CreateKey(ctx, db.writeTx, projectID, k, db.clock())
}

// RevokeKey marks an active key of the project revoked, or returns
// ENOTFOUND.
func (db *DB) RevokeKey(ctx context.Context, projectID int64, publicKey string) error {
	now := db.clock()
	return db.writeTx(ctx, func(c sqlq.Conn) error { return sqlq.RevokeKey(ctx, c, projectID, publicKey, now) })
}

// FindKey returns the key, revoked or not, or ENOTFOUND.
func (db *DB) FindKey(ctx context.Context, publicKey string) (*core.ProjectKey, error) {
	return sqlq.FindKey(ctx, conn{db.rdb}, publicKey)
}

// FindKeys returns every key of the project, revoked ones included, oldest
// first; ENOTFOUND for an unknown project.
func (db *DB) FindKeys(ctx context.Context, projectID int64) ([]*core.ProjectKey, error) {
	return sqlq.FindKeys(ctx, conn{db.rdb}, projectID)
}

// UpdateKey changes an active key of the project; ENOTFOUND or EINVALID.
func (db *DB) UpdateKey(ctx context.Context, projectID int64, publicKey string, upd core.KeyUpdate) (*core.ProjectKey, error) {
	return sqlq.UpdateKey(ctx, db.writeTx, projectID, publicKey, upd)
}
