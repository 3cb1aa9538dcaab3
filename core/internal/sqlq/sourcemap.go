package sqlq

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// TokenCols are the columns ScanToken reads, in order.
const TokenCols = `id, project_id, name, scopes, hash, created_at, revoked_at`

// ScanToken reads a row of TokenCols.
func ScanToken(s Scanner) (*core.APIToken, error) {
	var t core.APIToken
	var scopes string
	if err := s.Scan(&t.ID, &t.ProjectID, &t.Name, &scopes, &t.Hash, &t.CreatedAt, &t.RevokedAt); err != nil {
		return nil, err
	}
	t.Scopes = strings.Fields(scopes)
	return &t, nil
}

// CreateToken implements core.TokenStore.CreateToken.
func CreateToken(ctx context.Context, c Conn, t *core.APIToken) error {
	if err := ProjectExists(ctx, c, t.ProjectID); err != nil {
		return err
	}
	err := c.QueryRow(ctx, `INSERT INTO api_tokens (project_id, name, scopes, hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		t.ProjectID, t.Name, strings.Join(t.Scopes, " "), t.Hash, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("%s: create token: %w", c.Dialect().Name, err)
	}
	return nil
}

// FindTokenByHash implements core.TokenStore.FindTokenByHash.
func FindTokenByHash(ctx context.Context, c Conn, hash string) (*core.APIToken, error) {
	t, err := ScanToken(c.QueryRow(ctx, `SELECT `+TokenCols+` FROM api_tokens WHERE hash = ? AND revoked_at IS NULL`, hash))
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "token not found")
	} else if err != nil {
		return nil, fmt.Errorf("%s: find token: %w", c.Dialect().Name, err)
	}
	return t, nil
}

// FindTokens implements core.TokenStore.FindTokens.
func FindTokens(ctx context.Context, c Conn, projectID int64) ([]*core.APIToken, error) {
	if err := ProjectExists(ctx, c, projectID); err != nil {
		return nil, err
	}
	ts, err := Collect(ctx, c, `SELECT `+TokenCols+` FROM api_tokens WHERE project_id = ? ORDER BY id`, []any{projectID}, ScanToken)
	if err != nil {
		return nil, fmt.Errorf("%s: find tokens: %w", c.Dialect().Name, err)
	}
	return ts, nil
}

// RevokeToken implements core.TokenStore.RevokeToken.
func RevokeToken(ctx context.Context, c Conn, projectID, id int64, now time.Time) error {
	n, err := c.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND project_id = ? AND revoked_at IS NULL`, now, id, projectID)
	if err != nil {
		return fmt.Errorf("%s: revoke token: %w", c.Dialect().Name, err)
	} else if n == 0 {
		return core.Errorf(core.ENOTFOUND, "token %d not found", id)
	}
	return nil
}

// PutChunks implements core.SourceMapStore.PutChunks.
func PutChunks(ctx context.Context, c Conn, chunks map[string][]byte, now time.Time) error {
	for sum, data := range chunks {
		if _, err := c.Exec(ctx, `INSERT INTO upload_chunks (checksum, created_at, data) VALUES (?, ?, ?) ON CONFLICT (checksum) DO NOTHING`,
			sum, now, data); err != nil {
			return fmt.Errorf("%s: put chunk: %w", c.Dialect().Name, err)
		}
	}
	return nil
}

// FindChunks implements core.SourceMapStore.FindChunks.
func FindChunks(ctx context.Context, c Conn, checksums []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(checksums) == 0 {
		return out, nil
	}
	cond, args := inList(c.Dialect(), "checksum", checksums)
	err := c.Query(ctx, `SELECT checksum, data FROM upload_chunks WHERE `+cond, args, func(s Scanner) error {
		var sum string
		var data []byte
		if err := s.Scan(&sum, &data); err != nil {
			return err
		}
		out[sum] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: find chunks: %w", c.Dialect().Name, err)
	}
	return out, nil
}

// DeleteChunks implements core.SourceMapStore.DeleteChunks.
func DeleteChunks(ctx context.Context, c Conn, checksums []string, before time.Time) (int, error) {
	q, args := `DELETE FROM upload_chunks WHERE created_at < ?`, []any{before}
	if len(checksums) > 0 {
		cond, more := inList(c.Dialect(), "checksum", checksums)
		q += " OR " + cond
		args = append(args, more...)
	}
	n, err := c.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: delete chunks: %w", c.Dialect().Name, err)
	}
	return int(n), nil
}

// CreateArtifactBundle implements core.SourceMapStore.CreateArtifactBundle;
// c must be a transaction.
func CreateArtifactBundle(ctx context.Context, c Conn, b *core.ArtifactBundle) (int64, bool, error) {
	name := c.Dialect().Name
	if err := ProjectExists(ctx, c, b.ProjectID); err != nil {
		return 0, false, err
	}
	var id int64
	err := c.QueryRow(ctx, `SELECT id FROM artifact_bundles WHERE project_id = ? AND checksum = ?`, b.ProjectID, b.Checksum).Scan(&id)
	if err == nil {
		return id, false, nil
	} else if !IsNoRows(err) {
		return 0, false, fmt.Errorf("%s: find bundle: %w", name, err)
	}
	if b.LastUsed.IsZero() {
		b.LastUsed = b.CreatedAt
	}
	err = c.QueryRow(ctx, `INSERT INTO artifact_bundles (project_id, checksum, bundle_id, release, dist, size, created_at, last_used)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		b.ProjectID, b.Checksum, b.BundleID, b.Release, b.Dist, b.Size, b.CreatedAt, b.LastUsed).Scan(&id)
	if err != nil {
		return 0, false, fmt.Errorf("%s: create bundle: %w", name, err)
	}
	for _, f := range b.Files {
		if _, err := c.Exec(ctx, `INSERT INTO artifact_blobs (checksum, size, data) VALUES (?, ?, ?) ON CONFLICT (checksum) DO NOTHING`,
			f.Checksum, f.Size, dbutil.Compress(f.Content)); err != nil {
			return 0, false, fmt.Errorf("%s: store file: %w", name, err)
		}
		if _, err := c.Exec(ctx, `INSERT INTO artifact_files (bundle_id, type, url, debug_id, sourcemap, checksum) VALUES (?, ?, ?, ?, ?, ?)`,
			id, f.Type, f.URL, f.DebugID, f.SourceMap, f.Checksum); err != nil {
			return 0, false, fmt.Errorf("%s: store file: %w", name, err)
		}
	}
	b.ID = id
	return id, true, nil
}

// FindArtifactFile implements core.SourceMapStore.FindArtifactFile.
func FindArtifactFile(ctx context.Context, c Conn, q core.ArtifactQuery) (*core.ArtifactFile, error) {
	var w Where
	w.Add("b.project_id = ?", q.ProjectID)
	if q.Type != "" {
		w.Add("f.type = ?", q.Type)
	}
	if q.DebugID != "" {
		w.Add("f.debug_id = ?", strings.ToLower(q.DebugID))
	} else {
		w.Add("b.release = ?", q.Release)
		w.Add("b.dist = ?", q.Dist)
		w.Add("f.url = ?", q.URL)
	}
	var f core.ArtifactFile
	var data []byte
	err := c.QueryRow(ctx, `SELECT f.type, f.url, f.debug_id, f.sourcemap, f.checksum, bl.size, bl.data, b.id
		FROM artifact_files f JOIN artifact_bundles b ON b.id = f.bundle_id JOIN artifact_blobs bl ON bl.checksum = f.checksum`+
		w.SQL()+` ORDER BY b.id DESC LIMIT 1`, w.Args()...).
		Scan(&f.Type, &f.URL, &f.DebugID, &f.SourceMap, &f.Checksum, &f.Size, &data, &f.BundleID)
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "artifact not found")
	} else if err != nil {
		return nil, fmt.Errorf("%s: find artifact: %w", c.Dialect().Name, err)
	}
	if f.Content, err = dbutil.Decompress(data); err != nil {
		return nil, fmt.Errorf("%s: artifact %s: %w", c.Dialect().Name, f.Checksum, err)
	}
	return &f, nil
}

// FindArtifactBundles implements core.SourceMapStore.FindArtifactBundles.
func FindArtifactBundles(ctx context.Context, c Conn, projectID int64) ([]*core.ArtifactBundle, error) {
	if err := ProjectExists(ctx, c, projectID); err != nil {
		return nil, err
	}
	bs, err := Collect(ctx, c, `SELECT id, project_id, checksum, bundle_id, release, dist, size, created_at, last_used
		FROM artifact_bundles WHERE project_id = ? ORDER BY id DESC`, []any{projectID}, func(s Scanner) (*core.ArtifactBundle, error) {
		var b core.ArtifactBundle
		err := s.Scan(&b.ID, &b.ProjectID, &b.Checksum, &b.BundleID, &b.Release, &b.Dist, &b.Size, &b.CreatedAt, &b.LastUsed)
		return &b, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: find bundles: %w", c.Dialect().Name, err)
	}
	byID := map[int64]*core.ArtifactBundle{}
	for _, b := range bs {
		byID[b.ID] = b
	}
	err = c.Query(ctx, `SELECT f.bundle_id, f.type, f.url, f.debug_id, f.sourcemap, f.checksum, bl.size
		FROM artifact_files f JOIN artifact_bundles b ON b.id = f.bundle_id JOIN artifact_blobs bl ON bl.checksum = f.checksum
		WHERE b.project_id = ? ORDER BY f.id`, []any{projectID}, func(s Scanner) error {
		var f core.ArtifactFile
		if err := s.Scan(&f.BundleID, &f.Type, &f.URL, &f.DebugID, &f.SourceMap, &f.Checksum, &f.Size); err != nil {
			return err
		}
		if b := byID[f.BundleID]; b != nil {
			b.Files = append(b.Files, &f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: find bundle files: %w", c.Dialect().Name, err)
	}
	return bs, nil
}

// TouchArtifactBundles implements core.SourceMapStore.TouchArtifactBundles.
func TouchArtifactBundles(ctx context.Context, c Conn, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	cond, args := c.Dialect().In("id", ids)
	if _, err := c.Exec(ctx, `UPDATE artifact_bundles SET last_used = ? WHERE last_used < ? AND `+cond, append([]any{at, at}, args...)...); err != nil {
		return fmt.Errorf("%s: touch bundles: %w", c.Dialect().Name, err)
	}
	return nil
}

// PruneArtifactBundles implements core.SourceMapStore.PruneArtifactBundles;
// c must be a transaction.
func PruneArtifactBundles(ctx context.Context, c Conn, projectID int64, before time.Time, limit int) (int, error) {
	name := c.Dialect().Name
	ids, err := Collect(ctx, c, `SELECT id FROM artifact_bundles WHERE project_id = ? AND last_used < ? ORDER BY id LIMIT ?`,
		[]any{projectID, before, limit}, func(s Scanner) (int64, error) {
			var id int64
			return id, s.Scan(&id)
		})
	if err != nil {
		return 0, fmt.Errorf("%s: prune bundles: %w", name, err)
	} else if len(ids) == 0 {
		return 0, nil
	}
	cond, args := c.Dialect().In("id", ids)
	if _, err := c.Exec(ctx, `DELETE FROM artifact_bundles WHERE `+cond, args...); err != nil {
		return 0, fmt.Errorf("%s: prune bundles: %w", name, err)
	}
	if _, err := c.Exec(ctx, `DELETE FROM artifact_blobs WHERE NOT EXISTS (SELECT 1 FROM artifact_files f WHERE f.checksum = artifact_blobs.checksum)`); err != nil {
		return 0, fmt.Errorf("%s: prune artifact files: %w", name, err)
	}
	return len(ids), nil
}

// ReleaseCols are the columns ScanRelease reads, in order.
const ReleaseCols = `project_id, version, created_at, date_released`

// ScanRelease reads a row of ReleaseCols.
func ScanRelease(s Scanner) (*core.Release, error) {
	var r core.Release
	return &r, s.Scan(&r.ProjectID, &r.Version, &r.CreatedAt, &r.DateReleased)
}

// UpsertRelease implements core.SourceMapStore.UpsertRelease.
func UpsertRelease(ctx context.Context, c Conn, r *core.Release) (*core.Release, error) {
	if err := ProjectExists(ctx, c, r.ProjectID); err != nil {
		return nil, err
	}
	if _, err := c.Exec(ctx, `INSERT INTO releases (project_id, version, created_at, date_released) VALUES (?, ?, ?, ?)
		ON CONFLICT (project_id, version) DO UPDATE SET date_released = coalesce(excluded.date_released, releases.date_released)`,
		r.ProjectID, r.Version, r.CreatedAt, r.DateReleased); err != nil {
		return nil, fmt.Errorf("%s: upsert release: %w", c.Dialect().Name, err)
	}
	return FindRelease(ctx, c, r.ProjectID, r.Version)
}

// FindRelease implements core.SourceMapStore.FindRelease.
func FindRelease(ctx context.Context, c Conn, projectID int64, version string) (*core.Release, error) {
	r, err := ScanRelease(c.QueryRow(ctx, `SELECT `+ReleaseCols+` FROM releases WHERE project_id = ? AND version = ?`, projectID, version))
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "release %q not found", version)
	} else if err != nil {
		return nil, fmt.Errorf("%s: find release: %w", c.Dialect().Name, err)
	}
	return r, nil
}

// CreateToken inserts t and sets its ID (core.TokenStore).
func (s Store) CreateToken(ctx context.Context, t *core.APIToken) error {
	return s.write(ctx, func(c Conn) error { return CreateToken(ctx, c, t) })
}

// FindTokenByHash returns the active token with the hash, or ENOTFOUND.
func (s Store) FindTokenByHash(ctx context.Context, hash string) (*core.APIToken, error) {
	return FindTokenByHash(ctx, s.read, hash)
}

// FindTokens returns the project's tokens (core.TokenStore).
func (s Store) FindTokens(ctx context.Context, projectID int64) ([]*core.APIToken, error) {
	return FindTokens(ctx, s.read, projectID)
}

// RevokeToken revokes the project's token at now (core.TokenStore).
func (s Store) RevokeToken(ctx context.Context, projectID, id int64, now time.Time) error {
	return s.write(ctx, func(c Conn) error { return RevokeToken(ctx, c, projectID, id, now) })
}

// PutChunks stores source map upload chunks by checksum
// (core.SourceMapStore).
func (s Store) PutChunks(ctx context.Context, chunks map[string][]byte, now time.Time) error {
	return s.write(ctx, func(c Conn) error { return PutChunks(ctx, c, chunks, now) })
}

// FindChunks returns the stored chunks among checksums.
func (s Store) FindChunks(ctx context.Context, checksums []string) (map[string][]byte, error) {
	return FindChunks(ctx, s.read, checksums)
}

// DeleteChunks deletes the chunks among checksums stored before before.
func (s Store) DeleteChunks(ctx context.Context, checksums []string, before time.Time) (n int, err error) {
	err = s.write(ctx, func(c Conn) error {
		n, err = DeleteChunks(ctx, c, checksums, before)
		return err
	})
	return n, err
}

// CreateArtifactBundle stores b with its files unless the project has it
// already (core.SourceMapStore).
func (s Store) CreateArtifactBundle(ctx context.Context, b *core.ArtifactBundle) (id int64, created bool, err error) {
	err = s.write(ctx, func(c Conn) error {
		id, created, err = CreateArtifactBundle(ctx, c, b)
		return err
	})
	return id, created, err
}

// FindArtifactFile returns the file matching q, or ENOTFOUND.
func (s Store) FindArtifactFile(ctx context.Context, q core.ArtifactQuery) (*core.ArtifactFile, error) {
	return FindArtifactFile(ctx, s.read, q)
}

// FindArtifactBundles returns the project's bundles (core.SourceMapStore).
func (s Store) FindArtifactBundles(ctx context.Context, projectID int64) ([]*core.ArtifactBundle, error) {
	return FindArtifactBundles(ctx, s.read, projectID)
}

// TouchArtifactBundles sets the bundles' last use to at.
func (s Store) TouchArtifactBundles(ctx context.Context, ids []int64, at time.Time) error {
	return s.write(ctx, func(c Conn) error { return TouchArtifactBundles(ctx, c, ids, at) })
}

// PruneArtifactBundles deletes up to limit (0 or less: DefaultPruneLimit)
// of the project's bundles last used before before.
func (s Store) PruneArtifactBundles(ctx context.Context, projectID int64, before time.Time, limit int) (n int, err error) {
	if limit <= 0 {
		limit = DefaultPruneLimit
	}
	err = s.write(ctx, func(c Conn) error {
		n, err = PruneArtifactBundles(ctx, c, projectID, before, limit)
		return err
	})
	return n, err
}

// UpsertRelease creates or updates the project's release and returns it.
func (s Store) UpsertRelease(ctx context.Context, r *core.Release) (out *core.Release, err error) {
	err = s.write(ctx, func(c Conn) error {
		out, err = UpsertRelease(ctx, c, r)
		return err
	})
	return out, err
}

// FindRelease returns the project's release, or ENOTFOUND.
func (s Store) FindRelease(ctx context.Context, projectID int64, version string) (*core.Release, error) {
	return FindRelease(ctx, s.read, projectID, version)
}
