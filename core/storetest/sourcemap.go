package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var sourceMapTests = []test{
	{"Tokens", testTokens},
	{"Chunks", testChunks},
	{"BundleDedupAndLookup", testBundleLookup},
	{"BundlePrune", testBundlePrune},
	{"Releases", testReleases},
}

func testTokens(t *testing.T, s core.Store) {
	ctx := context.Background()
	p := MustCreateProject(t, s, "tokens")
	now := time.Now().UTC().Truncate(time.Microsecond)
	tok := &core.APIToken{ProjectID: p.ID, Name: "ci", Scopes: []string{core.ScopeReleases}, Hash: "h1", CreatedAt: now}
	must(t, "CreateToken", s.CreateToken(ctx, tok))
	wantCode(t, "CreateToken(unknown project)", s.CreateToken(ctx, &core.APIToken{ProjectID: p.ID + 99, Hash: "h2", CreatedAt: now}), core.ENOTFOUND)
	got, err := s.FindTokenByHash(ctx, "h1")
	must(t, "FindTokenByHash", err)
	if got.ID != tok.ID || got.ProjectID != p.ID || !got.HasScope(core.ScopeReleases) || got.HasScope(core.ScopeProjectRead) || !sameTime(got.CreatedAt, now) {
		t.Fatalf("FindTokenByHash = %+v, want %+v", got, tok)
	}
	_, err = s.FindTokenByHash(ctx, "nope")
	wantCode(t, "FindTokenByHash(unknown)", err, core.ENOTFOUND)
	wantCode(t, "RevokeToken(other project)", s.RevokeToken(ctx, p.ID+99, tok.ID, now), core.ENOTFOUND)
	must(t, "RevokeToken", s.RevokeToken(ctx, p.ID, tok.ID, now))
	wantCode(t, "RevokeToken(again)", s.RevokeToken(ctx, p.ID, tok.ID, now), core.ENOTFOUND)
	_, err = s.FindTokenByHash(ctx, "h1")
	wantCode(t, "FindTokenByHash(revoked)", err, core.ENOTFOUND)
	ts, err := s.FindTokens(ctx, p.ID)
	must(t, "FindTokens", err)
	if len(ts) != 1 || ts[0].RevokedAt == nil || !sameTime(*ts[0].RevokedAt, now) {
		t.Fatalf("FindTokens = %+v, want the one revoked token", ts)
	}
}

func testChunks(t *testing.T, s core.Store) {
	ctx := context.Background()
	old := time.Now().UTC().Add(-48 * time.Hour)
	must(t, "PutChunks", s.PutChunks(ctx, map[string][]byte{"a": []byte("AAA"), "b": []byte("BBB")}, old))
	must(t, "PutChunks(again)", s.PutChunks(ctx, map[string][]byte{"a": []byte("AAA"), "c": []byte("CCC")}, time.Now().UTC()))
	got, err := s.FindChunks(ctx, []string{"a", "b", "c", "d"})
	must(t, "FindChunks", err)
	if len(got) != 3 || string(got["a"]) != "AAA" || string(got["c"]) != "CCC" {
		t.Fatalf("FindChunks = %q", got)
	}
	// "a" and "b" are old, "c" is named.
	n, err := s.DeleteChunks(ctx, []string{"c"}, time.Now().UTC().Add(-time.Hour))
	must(t, "DeleteChunks", err)
	if got, _ := s.FindChunks(ctx, []string{"a", "b", "c"}); n != 3 || len(got) != 0 {
		t.Fatalf("DeleteChunks deleted %d, left %q; want 3 and none", n, got)
	}
}

func mustBundle(t testing.TB, s core.Store, projectID int64, checksum, release string, created time.Time, files ...*core.ArtifactFile) int64 {
	t.Helper()
	b := &core.ArtifactBundle{ProjectID: projectID, Checksum: checksum, Release: release, CreatedAt: created, Files: files}
	id, ok, err := s.CreateArtifactBundle(context.Background(), b)
	must(t, "CreateArtifactBundle", err)
	if !ok {
		t.Fatalf("CreateArtifactBundle(%s): not created", checksum)
	}
	return id
}

func artifact(typ, url, debugID, content string) *core.ArtifactFile {
	return &core.ArtifactFile{Type: typ, URL: url, DebugID: debugID, Checksum: "sum-" + content, Size: int64(len(content)), Content: []byte(content)}
}

func testBundleLookup(t *testing.T, s core.Store) {
	ctx := context.Background()
	p := MustCreateProject(t, s, "bundles")
	q := MustCreateProject(t, s, "other")
	now := time.Now().UTC().Truncate(time.Microsecond)
	map1 := artifact(core.ArtifactSourceMap, "~/app.js.map", "5dcfd576-b727-52fe-beb2-c01dca5d24bd", `{"version":3}`)
	id1 := mustBundle(t, s, p.ID, "c1", "1.0", now, artifact(core.ArtifactMinifiedSource, "~/app.js", "5dcfd576-b727-52fe-beb2-c01dca5d24bd", "min"), map1)
	// The same upload again is the same bundle.
	id, created, err := s.CreateArtifactBundle(ctx, &core.ArtifactBundle{ProjectID: p.ID, Checksum: "c1", CreatedAt: now, Files: []*core.ArtifactFile{map1}})
	if err != nil || created || id != id1 {
		t.Fatalf("CreateArtifactBundle(same checksum) = %d, %v, %v; want %d, false", id, created, err, id1)
	}
	f, err := s.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: p.ID, Type: core.ArtifactSourceMap, DebugID: "5DCFD576-B727-52FE-BEB2-C01DCA5D24BD"})
	must(t, "FindArtifactFile(debug id)", err)
	if !bytes.Equal(f.Content, map1.Content) || f.BundleID != id1 || f.URL != "~/app.js.map" {
		t.Fatalf("FindArtifactFile(debug id) = %+v", f)
	}
	_, err = s.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: q.ID, Type: core.ArtifactSourceMap, DebugID: map1.DebugID})
	wantCode(t, "FindArtifactFile(other project)", err, core.ENOTFOUND)
	f, err = s.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: p.ID, Release: "1.0", URL: "~/app.js"})
	must(t, "FindArtifactFile(url)", err)
	if string(f.Content) != "min" || f.Type != core.ArtifactMinifiedSource {
		t.Fatalf("FindArtifactFile(url) = %+v", f)
	}
	_, err = s.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: p.ID, Release: "2.0", URL: "~/app.js"})
	wantCode(t, "FindArtifactFile(other release)", err, core.ENOTFOUND)
	// A newer bundle with the same debug id wins; the shared content is stored once.
	id2 := mustBundle(t, s, p.ID, "c2", "1.1", now, artifact(core.ArtifactSourceMap, "~/b.js.map", map1.DebugID, `{"version":3}`))
	if f, _ := s.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: p.ID, Type: core.ArtifactSourceMap, DebugID: map1.DebugID}); f == nil || f.BundleID != id2 {
		t.Fatalf("FindArtifactFile after a newer bundle = %+v, want bundle %d", f, id2)
	}
	bs, err := s.FindArtifactBundles(ctx, p.ID)
	must(t, "FindArtifactBundles", err)
	if len(bs) != 2 || bs[0].ID != id2 || len(bs[1].Files) != 2 || bs[1].Release != "1.0" {
		t.Fatalf("FindArtifactBundles = %+v", bs)
	}
}

func testBundlePrune(t *testing.T, s core.Store) {
	ctx := context.Background()
	p := MustCreateProject(t, s, "prune")
	now := time.Now().UTC().Truncate(time.Microsecond)
	old, used := now.Add(-40*24*time.Hour), now.Add(-39*24*time.Hour)
	stale := mustBundle(t, s, p.ID, "stale", "", old, artifact(core.ArtifactSourceMap, "~/a.js.map", "", "only-in-stale"), artifact(core.ArtifactSourceMap, "~/s.js.map", "", "shared"))
	kept := mustBundle(t, s, p.ID, "used", "", old, artifact(core.ArtifactSourceMap, "~/b.js.map", "", "shared"))
	must(t, "TouchArtifactBundles", s.TouchArtifactBundles(ctx, []int64{kept}, now))
	fresh := mustBundle(t, s, p.ID, "fresh", "", used.Add(30*24*time.Hour), artifact(core.ArtifactSourceMap, "~/c.js.map", "", "fresh"))
	n, err := s.PruneArtifactBundles(ctx, p.ID, now.Add(-30*24*time.Hour), 10)
	must(t, "PruneArtifactBundles", err)
	bs, _ := s.FindArtifactBundles(ctx, p.ID)
	if n != 1 || len(bs) != 2 || bs[0].ID != fresh || bs[1].ID != kept {
		t.Fatalf("PruneArtifactBundles = %d, left %+v; want bundle %d gone", n, bs, stale)
	}
	if f, err := s.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: p.ID, URL: "~/b.js.map"}); err != nil || string(f.Content) != "shared" {
		t.Fatalf("shared content after prune: %+v, %v", f, err)
	}
}

func testReleases(t *testing.T, s core.Store) {
	ctx := context.Background()
	p := MustCreateProject(t, s, "releases")
	now := time.Now().UTC().Truncate(time.Microsecond)
	r, err := s.UpsertRelease(ctx, &core.Release{ProjectID: p.ID, Version: "1.2.3", CreatedAt: now})
	must(t, "UpsertRelease", err)
	if r.DateReleased != nil || !sameTime(r.CreatedAt, now) {
		t.Fatalf("UpsertRelease = %+v", r)
	}
	later := now.Add(time.Minute)
	r, err = s.UpsertRelease(ctx, &core.Release{ProjectID: p.ID, Version: "1.2.3", CreatedAt: later, DateReleased: &later})
	must(t, "UpsertRelease(finalize)", err)
	if r.DateReleased == nil || !sameTime(*r.DateReleased, later) || !sameTime(r.CreatedAt, now) {
		t.Fatalf("UpsertRelease(finalize) = %+v", r)
	}
	_, err = s.FindRelease(ctx, p.ID, "9")
	wantCode(t, "FindRelease(unknown)", err, core.ENOTFOUND)
}
