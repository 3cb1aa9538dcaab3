package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

const keyCols = `public_key, project_id, label, rate_limit, created_at, revoked_at`

func scanKey(s scanner) (*core.ProjectKey, error) {
	var k core.ProjectKey
	var created int64
	var revoked sql.NullInt64
	if err := s.Scan(&k.PublicKey, &k.ProjectID, &k.Label, &k.RateLimit, &created, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = tm(created), tmPtr(revoked)
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
	if err := db.write(ctx, func(tx *sql.Tx) error { return insertKey(ctx, tx, &nk) }); err != nil {
		return err
	}
	*k = nk
	return nil
}

// RevokeKey marks an active key of the project revoked, or returns
// ENOTFOUND.
func (db *DB) RevokeKey(ctx context.Context, projectID int64, publicKey string) error {
	now := db.clock()
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE project_keys SET revoked_at = ? WHERE project_id = ? AND public_key = ? AND revoked_at IS NULL`,
			us(now), projectID, publicKey)
		if err != nil {
			return fmt.Errorf("sqlite: revoke key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "project %d has no active key %s", projectID, publicKey)
		}
		return nil
	})
}

// FindKey returns the key, revoked or not, or ENOTFOUND.
func (db *DB) FindKey(ctx context.Context, publicKey string) (*core.ProjectKey, error) {
	k, err := scanKey(db.rdb.QueryRowContext(ctx, `SELECT `+keyCols+` FROM project_keys WHERE public_key = ?`, publicKey))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "key not found")
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find key: %w", err)
	}
	return k, nil
}
