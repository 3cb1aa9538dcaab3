package itest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// webStep is one line a web_*.mjs script prints.
type webStep struct {
	Step string `json:"step"`
	URL  string `json:"url"`
	Page string `json:"page"`
}

// runBrowserScript runs a web_*.mjs script and returns the steps it
// printed; the script exits non-zero on a failed check.
func runBrowserScript(t *testing.T, script string, args ...string) []webStep {
	t.Helper()
	out, _ := runNodeScript(t, script, args...)
	var steps []webStep
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var s webStep
		if json.Unmarshal(sc.Bytes(), &s) == nil && s.Step != "" {
			steps = append(steps, s)
		}
	}
	return steps
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium); .ci/run installs it")
	}
	return p
}

var passwordLine = regexp.MustCompile(`Password: (\S+)`)

// createUser runs `periscope user create` against the server's
// configuration and returns the generated password it prints once.
func createUser(t *testing.T, s *Server, email, role string) string {
	t.Helper()
	out, code := s.RunCLI(context.Background(), "user", "create", "--email", email, "--role", role)
	m := passwordLine.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("periscope user create: exit %d\n%s", code, out)
	}
	return m[1]
}

// TestWebUI is the browser UI as a person uses it, on both databases: on a
// fresh server the first user is created with the CLI; in Chromium they
// sign in, create a project, send errors with @sentry/node to the DSN the
// page shows, find the issue, read its exception, frames, breadcrumb and
// tag, resolve it and find it under the resolved filter, merge two other
// issues, preview grouping rules that would merge what is left, and sign
// out. axe-core checks the sign-in, list, detail and
// settings pages. With PERISCOPE_SCREENSHOTS=1 (SQLite run) it rewrites
// itest/screenshots/*.png.
func TestWebUI(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	jsDir(t)
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		// A fresh install shows how to create the first user.
		resp, err := http.Get(s.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "periscope user create --email") {
			t.Fatalf("fresh install: GET / answered %d without the create-user command:\n%s", resp.StatusCode, body)
		}
		pw := createUser(t, s, "ada@example.com", "admin")

		shots := ""
		if os.Getenv("PERISCOPE_SCREENSHOTS") == "1" && db.Name == "sqlite" {
			shots = filepath.Join(repoRoot(), "itest", "screenshots")
			if err := os.MkdirAll(shots, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		steps := runBrowserScript(t, "web_ui.mjs", s.URL, "ada@example.com", pw, chromium, shots)
		var names []string
		issuePath := ""
		for _, st := range steps {
			names = append(names, st.Step)
			if st.Step == "issue-read" {
				issuePath = st.URL
			}
		}
		want := "axe signed-in project-created sent issue-listed axe issue-read axe resolved found-resolved merged rules-preview axe settings signed-out"
		if got := strings.Join(names, " "); got != want {
			t.Fatalf("browser steps:\n got %s\nwant %s", got, want)
		}

		// The server agrees with what the browser saw.
		var list struct {
			Projects []Project `json:"projects"`
		}
		if code := s.Do("GET", "/api/admin/projects", nil, &list); code != 200 {
			t.Fatalf("list projects: %d", code)
		}
		ps := list.Projects
		if len(ps) != 1 || ps[0].Name != "shop" {
			t.Fatalf("projects after the browser test: %+v", ps)
		}
		issues := s.Issues(t, ps[0].ID)
		if len(issues) != 2 {
			t.Fatalf("%d issues after merging two of three, want 2: %+v", len(issues), issues)
		}
		var resolved, merged int
		for _, is := range issues {
			if is.Status == "resolved" && strings.HasSuffix(issuePath, fmt.Sprintf("/issues/%d", is.ID)) {
				resolved++
			}
			if is.Status == "unresolved" && is.Count == 2 {
				merged++
			}
		}
		if resolved != 1 || merged != 1 {
			t.Errorf("issues %+v: want the one read (%s) resolved and one unresolved of 2 events", issues, issuePath)
		}
	})
}

// xssEvent is an event whose every displayed field holds HTML or script.
const xssEvent = `{
  "message": "msg <img src=x onerror=alert(1)>",
  "level": "error",
  "platform": "python",
  "tags": {"payload": "tag <img src=x onerror=alert(1)>"},
  "user": {"email": "user \"><script>alert(2)</script>@example.com", "username": "<img src=x onerror=alert(1)>"},
  "breadcrumbs": {"values": [{"message": "crumb \"><script>alert(2)</script>", "category": "<img src=x onerror=alert(1)>"}]},
  "exception": {"values": [{"type": "Error<img src=x onerror=alert(1)>", "value": "\"><script>alert(2)</script>",
    "stacktrace": {"frames": [{"function": "frame_<img src=x onerror=alert(1)>", "filename": "app.py", "lineno": 3, "in_app": true,
      "context_line": "raise <img src=x onerror=alert(1)>", "pre_context": ["\"><script>alert(2)</script>"], "vars": {"x": "<img src=x onerror=alert(1)>"}}]}}]}
}`

// TestWebUISecurity: hostile event data renders as text and fires no
// dialog; a form posted from another site gets 403 and changes nothing;
// pages send CSP (no inline script, frame-ancestors 'none'),
// X-Content-Type-Options and Referrer-Policy; a member gets 403 on admin
// pages. Both databases.
func TestWebUISecurity(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	jsDir(t)
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		adminPw := createUser(t, s, "ada@example.com", "admin")
		memberPw := createUser(t, s, "bob@example.com", "member")
		p := s.CreateProject("hostile")
		if code := postStore(t, s, p, xssEvent); code != 200 {
			t.Fatalf("store: %d", code)
		}
		var issueID int64
		WaitFor(t, 30*time.Second, "the hostile event stored", func() bool {
			is := s.Issues(t, p.ID)
			if len(is) == 1 {
				issueID = is[0].ID
			}
			return issueID != 0
		})

		for _, path := range []string{"/signin", "/projects", fmt.Sprintf("/issues/%d", issueID)} {
			resp, err := http.Get(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") ||
				strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: Content-Security-Policy %q", path, csp)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
				t.Errorf("%s: X-Content-Type-Options %q, Referrer-Policy %q", path, resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Referrer-Policy"))
			}
		}

		// The attacker's page is on another site (localhost, not 127.0.0.1).
		attacker := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/issues/%d/status">
<input name="action" value="resolve"><input name="_csrf" value="guess"></form>
<script>document.getElementById('f').submit()</script>`, s.URL, issueID)
		}))
		ln, err := net.Listen("tcp", "localhost:0")
		if err != nil {
			t.Fatal(err)
		}
		attacker.Listener = ln
		attacker.Start()
		defer attacker.Close()
		_, port, _ := net.SplitHostPort(ln.Addr().String())

		steps := runBrowserScript(t, "web_security.mjs", s.URL, "ada@example.com", adminPw, "bob@example.com", memberPw,
			fmt.Sprint(issueID), fmt.Sprint(p.ID), "http://localhost:"+port+"/", chromium)
		var names []string
		for _, st := range steps {
			names = append(names, st.Step)
		}
		if got, want := strings.Join(names, " "), "rendered-as-text rendered-as-text no-dialog cross-site-refused member-refused"; got != want {
			t.Fatalf("browser steps:\n got %s\nwant %s", got, want)
		}
		if is := s.Issues(t, p.ID); len(is) != 1 || is[0].Status != "unresolved" {
			t.Errorf("after the cross-site POST the issue is %+v, want it unresolved", is)
		}
	})
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestWebSettings: on the project settings page in Chromium the copy
// buttons put the DSN and a setup snippet on the clipboard, and without
// JavaScript the DSN is shown with no dead button; an admin creates an API
// token (shown once), the real sentry-cli uploads source maps with it
// (listed then on the page with their size), the admin revokes it and
// sentry-cli is refused. axe-core checks the page with the new
// token. Both databases.
func TestWebSettings(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	jsDir(t)
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		pw := createUser(t, s, "ada@example.com", "admin")
		p := s.CreateProject(smProject)
		app := buildBrowserApp(t, t.TempDir(), "--minify")
		if out, code := sentryCLI(t, s, "unused", smSlug, "sourcemaps", "inject", filepath.Dir(app)); code != 0 {
			t.Fatalf("sentry-cli sourcemaps inject: exit %d\n%s", code, out)
		}
		steps := runBrowserScript(t, "web_settings.mjs", s.URL, "ada@example.com", pw, fmt.Sprint(p.ID), smSlug, chromium, filepath.Dir(app))
		var names []string
		for _, st := range steps {
			names = append(names, st.Step)
		}
		if got, want := strings.Join(names, " "), "dsn-copied snippet-copied no-js axe token-created token-works bundle-listed token-revoked"; got != want {
			t.Fatalf("browser steps:\n got %s\nwant %s", got, want)
		}
		// The server agrees: one token, revoked.
		out, code := s.RunCLI(context.Background(), "token", "list", "--project", fmt.Sprint(p.ID))
		if code != 0 || strings.Count(out, "revoked") != 1 || strings.Contains(out, "active") {
			t.Errorf("token list after the browser test: exit %d\n%s", code, out)
		}
	})
}
