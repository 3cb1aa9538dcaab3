package itest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceMapsBadInput: a truncated source map, a bundle over the limit,
// a wrong token, a revoked token and another project's token each get a
// clear 4xx that sentry-cli prints; nothing is stored by them, a good
// upload still works, and an event whose map could not be uploaded is
// stored with its frames as sent and says why.
func TestSourceMapsBadInput(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "sourcemaps:\n  max_bundle_size: 300000\n")
		p := s.CreateProject(smProject)
		other := s.CreateProject("Back Office")
		token, _ := createToken(t, s, p.ID)
		otherToken, _ := createToken(t, s, other.ID)
		revoked, revokedID := createToken(t, s, p.ID)
		if out, code := s.RunCLI(context.Background(), "token", "revoke", "--project", fmt.Sprint(p.ID), revokedID); code != 0 {
			t.Fatalf("token revoke: exit %d\n%s", code, out)
		}
		out, _ := s.RunCLI(context.Background(), "token", "list", "--project", fmt.Sprint(p.ID))
		if strings.Count(out, "active") != 1 || !strings.Contains(out, "revoked") || tokenRe.MatchString(out) {
			t.Errorf("token list shows:\n%s\nwant one active and one revoked token, no secret", out)
		}

		dir := t.TempDir()
		good := buildNodeApp(t, filepath.Join(dir, "good"))
		big := buildBrowserApp(t, filepath.Join(dir, "big"), "--minify")
		mustSentryCLI(t, s, token, "sourcemaps", "inject", filepath.Dir(good), filepath.Dir(big))
		// The same build with its map cut in half.
		broken := filepath.Join(dir, "broken", "app.min.js")
		copyFile(t, good, broken, -1)
		copyFile(t, good+".map", broken+".map", 0.5)

		for _, c := range []struct {
			name, token, project, dir string
			want                      []string
		}{
			{"wrong token", "psc_" + strings.Repeat("0", 64), smSlug, filepath.Dir(good), []string{"invalid or revoked API token", "401"}},
			{"revoked token", revoked, smSlug, filepath.Dir(good), []string{"invalid or revoked API token", "401"}},
			{"another project's token", otherToken, smSlug, filepath.Dir(good), []string{`not valid for project "shop-front"`, "403"}},
			{"truncated map", token, smSlug, filepath.Dir(broken), []string{"~/app.min.js.map: invalid source map", "400"}},
			{"bundle over the limit", token, smSlug, filepath.Dir(big), []string{"more than the limit of 300000 bytes", "413"}},
		} {
			out, code := sentryCLI(t, s, c.token, c.project, "sourcemaps", "upload", c.dir)
			for _, w := range c.want {
				if code == 0 || !strings.Contains(out, w) {
					t.Errorf("%s: sentry-cli exit %d, output:\n%s\nwant a failure saying %q", c.name, code, out, w)
				}
			}
		}
		if n := countBundles(t, s, p.ID) + countBundles(t, s, other.ID); n != 0 {
			t.Fatalf("%d bundles stored after refused uploads, want none", n)
		}

		// The event of the build whose map was refused keeps its frames
		// as sent and says why.
		ev := s.WaitEvent(t, p.ID, runNodeApp(t, broken, p.Keys[0].DSN, "shop@1").EventID)
		frames, raw := crashFrames(t, ev)
		if f := frames[len(frames)-1]; raw != nil || f.AbsPath != broken || !strings.Contains(strings.Join(ev.Data.Errors, "\n"), "js_no_source: "+broken) {
			t.Errorf("event without a map: crashing frame %s:%d, %d raw frames, errors %q; want the frame as sent and js_no_source",
				f.AbsPath, f.Lineno, len(raw), ev.Data.Errors)
		}

		// Nothing else was affected: the good upload works and maps.
		mustSentryCLI(t, s, token, "sourcemaps", "upload", filepath.Dir(good))
		if n := countBundles(t, s, p.ID); n != 1 {
			t.Fatalf("%d bundles after the good upload, want 1", n)
		}
		ev = s.WaitEvent(t, p.ID, runNodeApp(t, good, p.Keys[0].DSN, "shop@1").EventID)
		checkMapped(t, ev, "checkout.js", "computeTotal", "throw new RangeError")
	})
}

// copyFile copies src to dst; frac in (0, 1) keeps only that part of it.
func copyFile(t testing.TB, src, dst string, frac float64) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if frac > 0 && frac < 1 {
		b = b[:int(float64(len(b))*frac)]
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// countBundles is how many artifact bundles the admin API lists.
func countBundles(t testing.TB, s *Server, projectID int64) int {
	t.Helper()
	var out struct {
		Bundles []any `json:"bundles"`
	}
	if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/sourcemaps", projectID), nil, &out); code != 200 {
		t.Fatalf("list bundles: status %d", code)
	}
	return len(out.Bundles)
}
