package core

import (
	"context"
	"time"
)

// Artifact file types, as sentry-cli's bundle manifest names them.
const (
	ArtifactMinifiedSource = "minified_source"
	ArtifactSourceMap      = "source_map"
	ArtifactSource         = "source"
)

// ArtifactBundle is one upload of sentry-cli: minified files and their
// source maps, found by debug ID or by release, dist and URL.
type ArtifactBundle struct {
	ID        int64     `json:"id"`
	ProjectID int64     `json:"project_id"`
	Checksum  string    `json:"checksum"` // SHA-1 of the bundle as uploaded (sentry-cli's)
	BundleID  string    `json:"bundle_id,omitempty"`
	Release   string    `json:"release,omitempty"`
	Dist      string    `json:"dist,omitempty"`
	Size      int64     `json:"size"` // bytes of its files
	CreatedAt time.Time `json:"created_at"`
	// LastUsed is when an event last used one of its files (CreatedAt
	// until then); retention prunes bundles unused for its period.
	LastUsed time.Time       `json:"last_used"`
	Files    []*ArtifactFile `json:"files,omitempty"`
}

// ArtifactFile is one file of a bundle. Content is stored once per
// checksum however many bundles hold it.
type ArtifactFile struct {
	Type      string `json:"type"` // ArtifactMinifiedSource, ArtifactSourceMap, ArtifactSource
	URL       string `json:"url"`  // "~/static/app.js": ~ stands for any scheme and host
	DebugID   string `json:"debug_id,omitempty"`
	SourceMap string `json:"sourcemap,omitempty"` // a minified file's Sourcemap header
	Checksum  string `json:"checksum"`            // hex SHA-256 of Content
	Size      int64  `json:"size"`
	Content   []byte `json:"-"`
	BundleID  int64  `json:"-"` // the bundle it was found in (FindArtifactFile)
}

// ArtifactQuery finds one file of a project: by DebugID and Type, or by
// Release, Dist and URL (exact, as stored: "~/app.js"). The newest bundle
// wins.
type ArtifactQuery struct {
	ProjectID int64
	Type      string
	DebugID   string
	Release   string
	Dist      string
	URL       string
}

// Release is a release sentry-cli created (releases new / finalize).
type Release struct {
	ProjectID    int64      `json:"project_id"`
	Version      string     `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	DateReleased *time.Time `json:"date_released,omitempty"`
}

// SourceMapStore keeps uploaded chunks, artifact bundles and releases.
type SourceMapStore interface {
	// PutChunks stores chunks by their SHA-1 checksum (hex); a chunk
	// already stored is kept as is.
	PutChunks(ctx context.Context, chunks map[string][]byte, now time.Time) error
	// FindChunks returns the stored chunks of checksums (missing ones are
	// absent from the map).
	FindChunks(ctx context.Context, checksums []string) (map[string][]byte, error)
	// DeleteChunks deletes the chunks of checksums and those stored before
	// before; it returns how many it deleted.
	DeleteChunks(ctx context.Context, checksums []string, before time.Time) (int, error)
	// CreateArtifactBundle stores b with its files, unless the project
	// already holds a bundle of the same checksum: then it returns that
	// bundle's id and created false. File content is stored once per
	// checksum. ENOTFOUND for an unknown project.
	CreateArtifactBundle(ctx context.Context, b *ArtifactBundle) (id int64, created bool, err error)
	// FindArtifactFile returns the newest file matching q, with its
	// content and bundle, or ENOTFOUND.
	FindArtifactFile(ctx context.Context, q ArtifactQuery) (*ArtifactFile, error)
	// FindArtifactBundles lists a project's bundles, newest first, without
	// their files' content.
	FindArtifactBundles(ctx context.Context, projectID int64) ([]*ArtifactBundle, error)
	// TouchArtifactBundles sets LastUsed of the bundles to at when later.
	TouchArtifactBundles(ctx context.Context, ids []int64, at time.Time) error
	// PruneArtifactBundles deletes up to limit of the project's bundles
	// last used before before, and then file contents no bundle holds; it
	// returns how many bundles it deleted.
	PruneArtifactBundles(ctx context.Context, projectID int64, before time.Time, limit int) (int, error)
	// UpsertRelease creates the project's release or, when it exists,
	// sets DateReleased if r has one.
	UpsertRelease(ctx context.Context, r *Release) (*Release, error)
	// FindRelease returns the project's release, or ENOTFOUND.
	FindRelease(ctx context.Context, projectID int64, version string) (*Release, error)
}
