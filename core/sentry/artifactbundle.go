package sentry

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"sort"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// ArtifactBundle is what an artifact bundle uploaded by sentry-cli holds:
// a zip archive whose manifest.json names each file's type, URL and
// headers (debug-id, sourcemap), and says the release and dist the
// bundle was uploaded for, if any.
type ArtifactBundle struct {
	BundleID string
	Release  string
	Dist     string
	Files    []*core.ArtifactFile // in manifest order of their paths
}

type artifactManifest struct {
	Files map[string]struct {
		Type    string            `json:"type"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	} `json:"files"`
	DebugID string `json:"debug_id"`
	Release string `json:"release"`
	Dist    string `json:"dist"`
}

// ReadArtifactBundle reads an artifact bundle. Errors are EINVALID (not a
// zip, no or a bad manifest, a file the manifest names missing) or
// ETOOLARGE (a file larger than maxFile bytes once unpacked).
func ReadArtifactBundle(data []byte, maxFile int64) (*ArtifactBundle, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "artifact bundle is not a zip archive: %v", err)
	}
	byName := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		byName[f.Name] = f
	}
	mf := byName["manifest.json"]
	if mf == nil {
		return nil, core.Errorf(core.EINVALID, "artifact bundle has no manifest.json")
	}
	raw, err := readZipFile(mf, 1<<20)
	if err != nil {
		return nil, err
	}
	var m artifactManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, core.Errorf(core.EINVALID, "artifact bundle manifest.json: %v", err)
	}
	b := &ArtifactBundle{BundleID: m.DebugID, Release: m.Release, Dist: m.Dist}
	paths := make([]string, 0, len(m.Files))
	for p := range m.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		info := m.Files[p]
		zf := byName[p]
		if zf == nil {
			return nil, core.Errorf(core.EINVALID, "artifact bundle: manifest names %q, which the archive lacks", p)
		}
		content, err := readZipFile(zf, maxFile)
		if err != nil {
			return nil, err
		}
		h := map[string]string{}
		for k, v := range info.Headers {
			h[strings.ToLower(k)] = v
		}
		sum := sha256.Sum256(content)
		typ := info.Type
		if typ == "" {
			typ = core.ArtifactSource
		}
		b.Files = append(b.Files, &core.ArtifactFile{
			Type:      typ,
			URL:       info.URL,
			DebugID:   strings.ToLower(h["debug-id"]),
			SourceMap: h["sourcemap"],
			Checksum:  hex.EncodeToString(sum[:]),
			Size:      int64(len(content)),
			Content:   content,
		})
	}
	return b, nil
}

func readZipFile(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, core.Errorf(core.ETOOLARGE, "artifact bundle: %s is %d bytes, more than the limit of %d", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "artifact bundle: %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "artifact bundle: %s: %v", f.Name, err)
	} else if int64(len(b)) > limit {
		return nil, core.Errorf(core.ETOOLARGE, "artifact bundle: %s is more than the limit of %d bytes", f.Name, limit)
	}
	return b, nil
}
