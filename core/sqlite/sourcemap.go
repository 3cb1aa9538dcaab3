package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CreateToken implements core.TokenStore.
func (db *DB) CreateToken(ctx context.Context, t *core.APIToken) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.CreateToken(ctx, conn{tx}, t)
	})
}

// FindTokenByHash implements core.TokenStore.
func (db *DB) FindTokenByHash(ctx context.Context, hash string) (*core.APIToken, error) {
	return sqlq.FindTokenByHash(ctx, conn{db.rdb}, hash)
}

// FindTokens implements core.TokenStore.
func (db *DB) FindTokens(ctx context.Context, projectID int64) ([]*core.APIToken, error) {
	return sqlq.FindTokens(ctx, conn{db.rdb}, projectID)
}

// RevokeToken implements core.TokenStore.
func (db *DB) RevokeToken(ctx context.Context, projectID, id int64, now time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.RevokeToken(ctx, conn{tx}, projectID, id, now)
	})
}

// PutChunks implements core.SourceMapStore.
func (db *DB) PutChunks(ctx context.Context, chunks map[string][]byte, now time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.PutChunks(ctx, conn{tx}, chunks, now)
	})
}

// FindChunks implements core.SourceMapStore.
func (db *DB) FindChunks(ctx context.Context, checksums []string) (map[string][]byte, error) {
	return sqlq.FindChunks(ctx, conn{db.rdb}, checksums)
}

// DeleteChunks implements core.SourceMapStore.
func (db *DB) DeleteChunks(ctx context.Context, checksums []string, before time.Time) (n int, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		n, err = sqlq.DeleteChunks(ctx, conn{tx}, checksums, before)
		return err
	})
	return n, err
}

// CreateArtifactBundle implements core.SourceMapStore.
func (db *DB) CreateArtifactBundle(ctx context.Context, b *core.ArtifactBundle) (id int64, created bool, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		id, created, err = sqlq.CreateArtifactBundle(ctx, conn{tx}, b)
		return err
	})
	return id, created, err
}

// FindArtifactFile implements core.SourceMapStore.
func (db *DB) FindArtifactFile(ctx context.Context, q core.ArtifactQuery) (*core.ArtifactFile, error) {
	return sqlq.FindArtifactFile(ctx, conn{db.rdb}, q)
}

// FindArtifactBundles implements core.SourceMapStore.
func (db *DB) FindArtifactBundles(ctx context.Context, projectID int64) ([]*core.ArtifactBundle, error) {
	return sqlq.FindArtifactBundles(ctx, conn{db.rdb}, projectID)
}

// TouchArtifactBundles implements core.SourceMapStore.
func (db *DB) TouchArtifactBundles(ctx context.Context, ids []int64, at time.Time) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return sqlq.TouchArtifactBundles(ctx, conn{tx}, ids, at)
	})
}

// PruneArtifactBundles implements core.SourceMapStore.
func (db *DB) PruneArtifactBundles(ctx context.Context, projectID int64, before time.Time, limit int) (n int, err error) {
	if limit <= 0 {
		limit = sqlq.DefaultPruneLimit
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		n, err = sqlq.PruneArtifactBundles(ctx, conn{tx}, projectID, before, limit)
		return err
	})
	return n, err
}

// UpsertRelease implements core.SourceMapStore.
func (db *DB) UpsertRelease(ctx context.Context, r *core.Release) (out *core.Release, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		out, err = sqlq.UpsertRelease(ctx, conn{tx}, r)
		return err
	})
	return out, err
}

// FindRelease implements core.SourceMapStore.
func (db *DB) FindRelease(ctx context.Context, projectID int64, version string) (*core.Release, error) {
	return sqlq.FindRelease(ctx, conn{db.rdb}, projectID, version)
}
