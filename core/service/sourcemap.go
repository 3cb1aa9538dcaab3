package service

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// DefaultMaxBundleSize bounds an artifact bundle when the Service sets no
// MaxBundleSize.
const DefaultMaxBundleSize = 64 << 20

// chunkTTL is how long uploaded chunks wait for the assemble call that
// uses them.
const chunkTTL = 24 * time.Hour

// Assemble states, as sentry-cli reads them.
const (
	AssembleOK       = "ok"
	AssembleNotFound = "not_found"
)

func (s *Service) maxBundle() int64 {
	if s.MaxBundleSize > 0 {
		return s.MaxBundleSize
	}
	return DefaultMaxBundleSize
}

// MaxBundle is the most bytes an artifact bundle may hold.
func (s *Service) MaxBundle() int64 { return s.maxBundle() }

// UploadChunks stores chunks sentry-cli uploads, each named by the hex
// SHA-1 of its content. EINVALID when a name does not match its content,
// ETOOLARGE for a chunk over the bundle limit.
func (s *Service) UploadChunks(ctx context.Context, chunks map[string][]byte) error {
	for name, data := range chunks {
		if int64(len(data)) > s.maxBundle() {
			return core.Errorf(core.ETOOLARGE, "chunk %s is %d bytes, more than the limit of %d (sourcemaps.max_bundle_size)", name, len(data), s.maxBundle())
		}
		sum := sha1.Sum(data)
		if hex.EncodeToString(sum[:]) != name {
			return core.Errorf(core.EINVALID, "chunk %s: its content's SHA-1 is %x", name, sum)
		}
	}
	return s.Store.PutChunks(ctx, chunks, s.now().UTC())
}

// AssembleInput is sentry-cli's request to make an artifact bundle of
// uploaded chunks.
type AssembleInput struct {
	Checksum string   // SHA-1 of the whole bundle
	Chunks   []string // SHA-1 of each chunk, in order
	Release  string   // optional: the bundle is for this release
	Dist     string
}

// AssembleResult is the answer to an assemble request: State "ok" once
// the bundle is stored, "not_found" with Missing the chunks not uploaded.
type AssembleResult struct {
	State   string
	Missing []string
	Bundle  *core.ArtifactBundle
}

// AssembleBundle makes an artifact bundle of p from uploaded chunks and
// stores it (once per checksum). It fails, deleting the chunks, with
// EINVALID for a bundle that does not match its checksum, is not a
// bundle, or holds a source map that does not parse (CheckSourceMap), and
// ETOOLARGE for one over the limit.
func (s *Service) AssembleBundle(ctx context.Context, p *core.Project, in AssembleInput) (*AssembleResult, error) {
	if len(in.Checksum) != 40 || len(in.Chunks) == 0 {
		return nil, core.Errorf(core.EINVALID, "checksum and chunks are required")
	}
	found, err := s.Store.FindChunks(ctx, in.Chunks)
	if err != nil {
		return nil, err
	}
	var missing []string
	var size int64
	for _, c := range in.Chunks {
		if d, ok := found[c]; !ok {
			missing = append(missing, c)
		} else {
			size += int64(len(d))
		}
	}
	if len(missing) > 0 {
		return &AssembleResult{State: AssembleNotFound, Missing: missing}, nil
	}
	b, err := s.assemble(p, in, found, size)
	if err == nil {
		b.ID, _, err = s.Store.CreateArtifactBundle(ctx, b)
	}
	if _, derr := s.Store.DeleteChunks(ctx, in.Chunks, s.now().UTC().Add(-chunkTTL)); err == nil && derr != nil {
		err = derr
	}
	if err != nil {
		return nil, err
	}
	return &AssembleResult{State: AssembleOK, Missing: []string{}, Bundle: b}, nil
}

func (s *Service) assemble(p *core.Project, in AssembleInput, found map[string][]byte, size int64) (*core.ArtifactBundle, error) {
	if size > s.maxBundle() {
		return nil, core.Errorf(core.ETOOLARGE, "artifact bundle is %d bytes, more than the limit of %d (sourcemaps.max_bundle_size)", size, s.maxBundle())
	}
	data := make([]byte, 0, size)
	for _, c := range in.Chunks {
		data = append(data, found[c]...)
	}
	if sum := sha1.Sum(data); hex.EncodeToString(sum[:]) != in.Checksum {
		return nil, core.Errorf(core.EINVALID, "artifact bundle: its chunks' SHA-1 is %x, not %s", sum, in.Checksum)
	}
	ab, err := sentry.ReadArtifactBundle(data, s.maxBundle())
	if err != nil {
		return nil, err
	}
	b := &core.ArtifactBundle{ProjectID: p.ID, Checksum: in.Checksum, BundleID: ab.BundleID, Release: ab.Release, Dist: ab.Dist,
		CreatedAt: s.now().UTC(), Files: ab.Files}
	if in.Release != "" {
		b.Release, b.Dist = in.Release, in.Dist
	}
	for _, f := range ab.Files {
		b.Size += f.Size
		// sentry-cli uploads a .map it cannot parse as a script: refuse it
		// too, so a broken map is an error at upload, not at every event.
		if (f.Type == core.ArtifactSourceMap || strings.HasSuffix(f.URL, ".map")) && s.CheckSourceMap != nil {
			if err := s.CheckSourceMap(f.Content); err != nil {
				return nil, core.Errorf(core.EINVALID, "source map %s: %v", f.URL, err)
			}
		}
	}
	return b, nil
}

// SaveRelease creates the project's release (sentry-cli releases new) or
// marks it released (releases finalize, released set).
func (s *Service) SaveRelease(ctx context.Context, p *core.Project, version string, released *time.Time) (*core.Release, error) {
	if version == "" || len(version) > 200 {
		return nil, core.FieldErrorf("version", "version must be 1 to 200 characters")
	}
	return s.Store.UpsertRelease(ctx, &core.Release{ProjectID: p.ID, Version: version, CreatedAt: s.now().UTC(), DateReleased: released})
}

// FindArtifactBundles lists a project's artifact bundles, newest first.
func (s *Service) FindArtifactBundles(ctx context.Context, projectID int64) ([]*core.ArtifactBundle, error) {
	return s.Store.FindArtifactBundles(ctx, projectID)
}
