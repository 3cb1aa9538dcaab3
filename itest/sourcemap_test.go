package itest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestSourceMaps is the whole story with real tools: esbuild builds the
// app minified with source maps, sentry-cli injects debug IDs and uploads
// the maps with a project API token, the app throws from two functions
// under @sentry/browser in headless Chromium and once under @sentry/node,
// and Periscope stores each event with the original files, functions,
// lines and context, the minified frames kept as raw.
func TestSourceMaps(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject(smProject)
		token, _ := createToken(t, s, p.ID, "project:releases")
		dir := t.TempDir()
		browserJS := buildBrowserApp(t, filepath.Join(dir, "web"), "--minify")
		nodeJS := buildNodeApp(t, filepath.Join(dir, "node"))
		mustSentryCLI(t, s, token, "sourcemaps", "inject", filepath.Dir(browserJS), filepath.Dir(nodeJS))
		for _, d := range []string{filepath.Dir(browserJS), filepath.Dir(nodeJS)} {
			out := mustSentryCLI(t, s, token, "sourcemaps", "upload", d)
			if !strings.Contains(out, "debug id") {
				t.Errorf("sentry-cli upload of %s names no debug id:\n%s", d, out)
			}
		}
		var bundles struct {
			Bundles []struct {
				Files []struct{ Type, URL, DebugID string } `json:"files"`
			} `json:"bundles"`
		}
		if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/sourcemaps", p.ID), nil, &bundles); code != 200 || len(bundles.Bundles) != 2 {
			t.Fatalf("bundles: status %d, %+v; want the 2 uploads", code, bundles)
		}

		sent := runBrowserApp(t, browserJS, p.Keys[0].DSN, "shop@1.0.0")
		sent = append(sent, runNodeApp(t, nodeJS, p.Keys[0].DSN, "shop@1.0.0"))
		evs := byCase(t, s, p.ID, sent)
		checkMapped(t, evs["checkout"], "checkout.js", "computeTotal", "throw new RangeError")
		checkMapped(t, evs["cart"], "cart.js", "renderCart", "throw new TypeError")
		checkMapped(t, evs["node-checkout"], "checkout.js", "computeTotal", "throw new RangeError")
		for name, ev := range evs {
			frames, _ := crashFrames(t, ev)
			if len(frames) < 2 {
				t.Fatalf("%s: %d frames", name, len(frames))
			}
			// The caller is mapped too, with its own function and line.
			caller := frames[len(frames)-2]
			if name != "cart" && (caller.Function != "checkout" || caller.ContextLine == nil || !strings.Contains(*caller.ContextLine, "computeTotal(order)")) {
				t.Errorf("%s: calling frame %s %s:%d %q, want checkout calling computeTotal", name, caller.Function, caller.Filename, caller.Lineno, deref(caller.ContextLine))
			}
			if ev.Data.DebugMeta == nil || len(ev.Data.DebugMeta.Images) == 0 {
				t.Errorf("%s: no debug_meta images kept", name)
			}
		}
		// Grouping worked on the original frames.
		if is := s.Issues(t, p.ID); len(is) != 3 {
			t.Errorf("%d issues, want 3 (browser checkout, browser cart, node checkout)", len(is))
		}
	})
}

// TestSourceMapsTwoBuildsOneIssue builds the same source twice with
// different minifier settings (different minified names and columns),
// uploads them as two releases, and checks that the events of the two
// builds land in the same issues.
func TestSourceMapsTwoBuildsOneIssue(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject(smProject)
		token, _ := createToken(t, s, p.ID)
		dir := t.TempDir()
		builds := []struct{ release, js string }{
			{"shop@1", buildBrowserApp(t, filepath.Join(dir, "a"), "--minify")},
			{"shop@2", buildBrowserApp(t, filepath.Join(dir, "b"), "--minify-whitespace", "--minify-syntax")},
		}
		issue := map[string][]int64{}
		var rawCrash []string
		for _, b := range builds {
			mustSentryCLI(t, s, token, "sourcemaps", "inject", filepath.Dir(b.js))
			mustSentryCLI(t, s, token, "sourcemaps", "upload", "--release", b.release, filepath.Dir(b.js))
			evs := byCase(t, s, p.ID, runBrowserApp(t, b.js, p.Keys[0].DSN, b.release))
			for c, ev := range evs {
				issue[c] = append(issue[c], ev.IssueID)
			}
			checkMapped(t, evs["checkout"], "checkout.js", "computeTotal", "throw new RangeError")
			_, raw := crashFrames(t, evs["checkout"])
			r := raw[len(raw)-1]
			rawCrash = append(rawCrash, fmt.Sprintf("%s@%d:%d", r.Function, r.Lineno, r.Colno))
		}
		if rawCrash[0] == rawCrash[1] {
			t.Fatalf("the two builds' minified crashing frames are the same (%s): the test shows nothing", rawCrash[0])
		}
		for c, ids := range issue {
			if len(ids) != 2 || ids[0] != ids[1] {
				t.Errorf("%s: the two builds' events are in issues %v, want one issue", c, ids)
			}
		}
		if issue["checkout"][0] == issue["cart"][0] {
			t.Errorf("checkout and cart share issue %d", issue["cart"][0])
		}
		if is := s.Issues(t, p.ID); len(is) != 2 {
			t.Errorf("%d issues, want 2", len(is))
		}
	})
}

// TestSourceMapsReleaseFlow uses the older release-based flow: no debug
// IDs, the maps found by release and URL (releases new, releases files
// upload-sourcemaps --url-prefix, releases finalize).
func TestSourceMapsReleaseFlow(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject(smProject)
		token, _ := createToken(t, s, p.ID, "project:releases")
		js := buildBrowserApp(t, t.TempDir(), "--minify")
		const release = "shop@3.0.0+build.7"
		if out := mustSentryCLI(t, s, token, "releases", "new", release); !strings.Contains(out, release) {
			t.Errorf("releases new printed %q", out)
		}
		out := mustSentryCLI(t, s, token, "releases", "files", release, "upload-sourcemaps", "--url-prefix", "~/static/js", filepath.Dir(js))
		if !strings.Contains(out, "~/static/js/app.min.js") {
			t.Errorf("upload-sourcemaps did not upload ~/static/js/app.min.js:\n%s", out)
		}
		mustSentryCLI(t, s, token, "releases", "finalize", release)
		if out := mustSentryCLI(t, s, token, "releases", "info", release); !strings.Contains(out, release) {
			t.Errorf("releases info printed %q", out)
		}

		evs := byCase(t, s, p.ID, runBrowserApp(t, js, p.Keys[0].DSN, release))
		checkMapped(t, evs["checkout"], "checkout.js", "computeTotal", "throw new RangeError")
		checkMapped(t, evs["cart"], "cart.js", "renderCart", "throw new TypeError")
		if evs["cart"].Data.DebugMeta != nil {
			t.Errorf("the build has no debug ids, yet the event has debug_meta %+v", evs["cart"].Data.DebugMeta)
		}

		// Another release has no maps: its events stay as sent and say why.
		evs = byCase(t, s, p.ID, runBrowserApp(t, js, p.Keys[0].DSN, "shop@4"))
		frames, raw := crashFrames(t, evs["cart"])
		if f := frames[len(frames)-1]; raw != nil || !strings.HasSuffix(f.AbsPath, "/static/js/app.min.js") ||
			!strings.Contains(strings.Join(evs["cart"].Data.Errors, "\n"), "js_no_source: http://") {
			t.Errorf("event of a release without maps: frame %s:%d, raw %d frames, errors %q; want the frames as sent and js_no_source",
				f.AbsPath, f.Lineno, len(raw), evs["cart"].Data.Errors)
		}
	})
}
