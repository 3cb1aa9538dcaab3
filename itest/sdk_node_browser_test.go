package itest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeSDK drives the official @sentry/node SDK, unchanged, against a
// real periscope on both databases.
func TestNodeSDK(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("node-app")
		sent := runNode(t, "node_send.mjs", p.Keys[0].DSN)
		if len(sent) != 8 {
			t.Fatalf("the SDK reports %d events sent, want 8: %+v", len(sent), sent)
		}
		stored := checkStoredOnce(t, s, p.ID, sent)
		checkGrouping(t, sent, stored)
		byCase := map[string][]*StoredEvent{}
		for _, e := range sent {
			if ev := stored[e.EventID]; ev != nil {
				byCase[e.Case] = append(byCase[e.Case], ev)
			}
		}
		for _, ev := range byCase["same-line"] {
			if ev.Title != "TypeError: cannot read order 1" && ev.Title != "TypeError: cannot read order 2" {
				t.Errorf("title %q, want TypeError: cannot read order N", ev.Title)
			}
			if ev.Level != "error" || ev.Platform != "node" {
				t.Errorf("level %q platform %q, want error, node", ev.Level, ev.Platform)
			}
		}
		for _, ev := range byCase["message-params"] {
			if ev.Level != "warning" || !strings.HasPrefix(ev.Title, "user ") {
				t.Errorf("message event: title %q level %q, want user ... / warning", ev.Title, ev.Level)
			}
		}
		if l := byCase["large"]; len(l) != 1 || l[0].Title != "RangeError: large payload" {
			t.Errorf("large (gzipped) event not stored with its title: %+v", l)
		}
	})
}

// TestBrowserSDK loads a page in headless Chromium that uses the official
// @sentry/browser SDK (bundled by esbuild from npm, unchanged) and throws.
// The page is served from another origin, so CORS is exercised as in
// production. It runs on both databases.
func TestBrowserSDK(t *testing.T) {
	t.Parallel()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium); .ci/run installs it")
	}
	dir := jsDir(t)
	bundle := filepath.Join(t.TempDir(), "bundle.js")
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "esbuild"), "browser_entry.js", "--bundle", "--format=iife", "--outfile="+bundle, "--log-level=warning")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, out)
	}
	js, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}

	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("browser-app")
		page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/bundle.js":
				w.Header().Set("Content-Type", "text/javascript")
				w.Write(js)
			default:
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprintf(w, `<!doctype html><html><head><script src="/bundle.js"></script></head><body>
<script>
initSentry(%q);
Sentry.withScope(function (s) { s.setTag('case', 'browser-message'); Sentry.captureMessage('checkout button clicked twice'); });
function explode() { undefinedFunctionFromTheBrowser(); }
setTimeout(function () { explode(); }, 10);
</script></body></html>`, p.Keys[0].DSN)
			}
		}))
		defer page.Close()

		sent := runNode(t, "browser.mjs", page.URL+"/", chromium)
		if len(sent) != 2 {
			t.Fatalf("the browser SDK reports %d events sent, want 2: %+v", len(sent), sent)
		}
		stored := checkStoredOnce(t, s, p.ID, sent)
		var sawUncaught, sawMessage bool
		for _, ev := range stored {
			if ev.Title == "checkout button clicked twice" {
				sawMessage = true
				if ev.Level != "info" || ev.Platform != "javascript" {
					t.Errorf("captured message stored as level %q platform %q, want info, javascript", ev.Level, ev.Platform)
				}
			}
			if strings.Contains(ev.Title, "undefinedFunctionFromTheBrowser") {
				sawUncaught = true
				if !strings.HasPrefix(ev.Title, "ReferenceError") || ev.Level != "error" || ev.Platform != "javascript" {
					t.Errorf("uncaught error stored as title %q level %q platform %q", ev.Title, ev.Level, ev.Platform)
				}
			}
		}
		if !sawUncaught {
			t.Errorf("the uncaught ReferenceError was not stored; stored: %+v", stored)
		}
		if !sawMessage {
			t.Errorf("the captured message was not stored; stored: %+v", stored)
		}
	})
}
