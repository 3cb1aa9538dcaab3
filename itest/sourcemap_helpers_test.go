package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

// The source map tests build itest/js/sourcemaps with esbuild, upload the
// maps with the real sentry-cli (pinned in itest/js/package.json), run the
// app under @sentry/browser in headless Chromium and under @sentry/node,
// and read what Periscope stored.

// smProject is the name of the tests' project; sentry-cli names it by
// its slug.
const (
	smProject = "Shop Front"
	smSlug    = "shop-front"
)

// esbuild builds entry (relative to itest/js) into outfile, minified with
// a source map, with the extra flags.
func esbuild(t testing.TB, entry, outfile string, extra ...string) {
	t.Helper()
	dir := jsDir(t)
	args := append([]string{entry, "--bundle", "--sourcemap", "--outfile=" + outfile, "--log-level=warning"}, extra...)
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "esbuild"), args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild %v: %v\n%s", args, err, out)
	}
}

// buildBrowserApp builds the browser app into dir/app.min.js (+ .map);
// minify are esbuild's minifier flags.
func buildBrowserApp(t testing.TB, dir string, minify ...string) string {
	out := filepath.Join(dir, "app.min.js")
	esbuild(t, "sourcemaps/browser_app.js", out, append([]string{"--format=iife"}, minify...)...)
	return out
}

// buildNodeApp builds the Node app into dir/app.min.js (+ .map).
func buildNodeApp(t testing.TB, dir string) string {
	out := filepath.Join(dir, "app.min.js")
	esbuild(t, "sourcemaps/node_app.js", out, "--minify", "--platform=node", "--format=cjs", "--external:@sentry/node")
	return out
}

// sentryCLI runs the real sentry-cli against s with token for project
// (a slug) and returns its combined output and exit code.
func sentryCLI(t testing.TB, s *Server, token, project string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(jsDir(t), "node_modules", ".bin", "sentry-cli"), args...)
	cmd.Env = append(cleanEnv(), "SENTRY_URL="+s.URL, "SENTRY_AUTH_TOKEN="+token, "SENTRY_ORG=periscope",
		"SENTRY_PROJECT="+project, "SENTRY_LOG_LEVEL=warn", "SENTRY_DISABLE_UPDATE_CHECK=true", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sentry-cli %v: %v", args, err)
	}
	return string(out), code
}

// mustSentryCLI is sentryCLI that fails the test unless it succeeds.
func mustSentryCLI(t testing.TB, s *Server, token string, args ...string) string {
	t.Helper()
	out, code := sentryCLI(t, s, token, smSlug, args...)
	if code != 0 {
		t.Fatalf("sentry-cli %v: exit %d\n%s\nserver log:\n%s", args, code, out, s.Logs())
	}
	return out
}

var tokenRe = regexp.MustCompile(`psc_[0-9a-f]{64}`)

// createToken makes an API token with `periscope token create` and returns
// its secret and id.
func createToken(t testing.TB, s *Server, projectID int64, scopes ...string) (string, string) {
	t.Helper()
	args := []string{"token", "create", "--project", fmt.Sprint(projectID), "--name", "ci"}
	for _, sc := range scopes {
		args = append(args, "--scope", sc)
	}
	out, code := s.RunCLI(context.Background(), args...)
	secret := tokenRe.FindString(out)
	id := regexp.MustCompile(`API token (\d+)`).FindStringSubmatch(out)
	if code != 0 || secret == "" || id == nil {
		t.Fatalf("periscope %v: exit %d\n%s", args, code, out)
	}
	return secret, id[1]
}

// servePage serves a page that loads js as /static/js/app.min.js.
func servePage(t testing.TB, js string) string {
	t.Helper()
	body, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/static/js/app.min.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(body)
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><html><head><script src="/static/js/app.min.js"></script></head><body>shop</body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// runBrowserApp loads the built browser app in headless Chromium and
// makes it throw from both its functions; it returns the events sent.
func runBrowserApp(t testing.TB, js, dsn, release string) []sentEvent {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium); .ci/run installs it")
	}
	sent := runNode(t, "sourcemaps/browser.mjs", servePage(t, js), dsn, release, chromium)
	if len(sent) != 2 {
		t.Fatalf("the browser app reports %d events sent, want 2: %+v", len(sent), sent)
	}
	return sent
}

// runNodeApp runs the built Node app, which throws once; it returns the
// event sent.
func runNodeApp(t testing.TB, js, dsn, release string) sentEvent {
	t.Helper()
	cmd := exec.Command("node", js, dsn, release)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(jsDir(t), "node_modules"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", js, err, out)
	}
	var sent []sentEvent
	for _, line := range strings.Split(string(out), "\n") {
		if e, ok := parseSent(line); ok {
			sent = append(sent, e)
		}
	}
	if len(sent) != 1 {
		t.Fatalf("the node app reports %d events sent, want 1: %s", len(sent), out)
	}
	return sent[0]
}

// byCase maps each sent event's case tag to its stored event.
func byCase(t *testing.T, s *Server, projectID int64, sent []sentEvent) map[string]*StoredEvent {
	t.Helper()
	out := map[string]*StoredEvent{}
	for _, e := range sent {
		if e.Status != 200 {
			t.Fatalf("event %s (%s): the SDK got status %d, want 200", e.EventID, e.Case, e.Status)
		}
		out[e.Case] = s.WaitEvent(t, projectID, e.EventID)
	}
	return out
}

// crashFrames returns the raised exception's frames and raw frames.
func crashFrames(t *testing.T, ev *StoredEvent) (frames, raw []core.Frame) {
	t.Helper()
	ex := ev.Data.Exceptions
	if len(ex) == 0 || ex[len(ex)-1].Stacktrace == nil {
		t.Fatalf("event %s has no stack trace: %+v", ev.EventID, ev.Data)
	}
	last := ex[len(ex)-1]
	if last.RawStacktrace != nil {
		raw = last.RawStacktrace.Frames
	}
	return last.Stacktrace.Frames, raw
}

// sourceLine returns the 1-based number and text of the line of the app's
// source file (itest/js/sourcemaps/src/NAME) that contains needle.
func sourceLine(t testing.TB, name, needle string) (int, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jsDir(t), "sourcemaps", "src", name))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, needle) {
			return i + 1, l
		}
	}
	t.Fatalf("%s has no line with %q", name, needle)
	return 0, ""
}

// checkMapped checks that the crashing frame of ev is the original one:
// file, function, line and context, and that the minified frame is kept
// as raw.
func checkMapped(t *testing.T, ev *StoredEvent, file, function, needle string) {
	t.Helper()
	frames, raw := crashFrames(t, ev)
	f := frames[len(frames)-1]
	line, text := sourceLine(t, file, needle)
	if !strings.HasSuffix(f.Filename, "sourcemaps/src/"+file) || f.Function != function || f.Lineno != line ||
		f.ContextLine == nil || *f.ContextLine != text || len(f.PreContext) == 0 {
		t.Errorf("event %s: crashing frame %s %s:%d context %q, want %s src/%s:%d context %q (errors %q)",
			ev.EventID, f.Function, f.Filename, f.Lineno, deref(f.ContextLine), function, file, line, text, ev.Data.Errors)
	}
	if len(raw) != len(frames) {
		t.Fatalf("event %s: %d raw frames beside %d frames, want the minified frames kept", ev.EventID, len(raw), len(frames))
	}
	r := raw[len(raw)-1]
	if !strings.HasSuffix(r.AbsPath, "app.min.js") || r.Lineno == line || r.ContextLine != nil {
		t.Errorf("event %s: raw crashing frame %s %s:%d:%d, want the minified frame of app.min.js", ev.EventID, r.Function, r.AbsPath, r.Lineno, r.Colno)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// parseSent reads one {"event_id", "status", "case"} line.
func parseSent(line string) (sentEvent, bool) {
	var e sentEvent
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
		return e, false
	}
	return e, true
}
