package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
	"github.com/periscope-hq/periscope/core/storetest"
	"github.com/periscope-hq/periscope/core/web"
)

var secretRe = regexp.MustCompile(`psc_[0-9a-f]{64}`)

// TestSettingsTokens: an admin creates an API token on the settings page
// and sees its secret once, in the answer to the form; it then works
// (service.AuthenticateToken, what sentry-cli's routes call), is listed
// without its secret, and once revoked is refused. A member's POST gets
// 403 and creates nothing; an unknown scope is refused with a notice.
func TestSettingsTokens(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	mustUser(t, db, "ada@example.com", "admin")
	mustUser(t, db, "bob@example.com", "member")
	p := storetest.MustCreateProject(t, db, "Shop Front")
	svc := service.New(db, nil)
	a := newApp(t, db, web.Options{PublicURL: "http://errors.example.com"})
	settings := fmt.Sprintf("/projects/%d/settings", p.ID)

	member := &browser{cookies: map[string]string{}}
	member.signIn(a, "bob@example.com", "correct horse")
	tok := member.csrf(a, "/projects")
	if resp, _ := member.do(a, "POST", settings, url.Values{"_csrf": {tok}, "action": {"token-create"}, "name": {"ci"}, "scope": {"project:releases"}}); resp.StatusCode != 403 {
		t.Errorf("member creating a token: %d, want 403", resp.StatusCode)
	}
	if ts, _ := svc.FindTokens(ctx, p.ID); len(ts) != 0 {
		t.Fatalf("a member's POST created %d tokens", len(ts))
	}

	admin := &browser{cookies: map[string]string{}}
	admin.signIn(a, "ada@example.com", "correct horse")
	tok = admin.csrf(a, settings)
	resp, body := admin.do(a, "POST", settings, url.Values{"_csrf": {tok}, "action": {"token-create"}, "name": {"ci"}, "scope": {"project:releases"}})
	secret := secretRe.FindString(body)
	if resp.StatusCode != 200 || secret == "" || !strings.Contains(body, "shown only once") {
		t.Fatalf("create token: %d, secret %q\n%s", resp.StatusCode, secret, body)
	}
	if !strings.Contains(body, "SENTRY_PROJECT=shop-front") {
		t.Errorf("the page does not say how sentry-cli names the project")
	}
	got, err := svc.AuthenticateToken(ctx, secret)
	if err != nil || got.ProjectID != p.ID || strings.Join(got.Scopes, ",") != "project:releases" {
		t.Fatalf("the token shown: %+v, %v", got, err)
	}
	_, body = admin.do(a, "GET", settings, nil)
	if secretRe.MatchString(body) {
		t.Errorf("the secret is shown again on the settings page")
	}
	row := regexp.MustCompile(`<td>ci</td><td>\d+</td><td>project:releases</td><td>[^<]+</td>\s*<td>active</td>`)
	if !row.MatchString(body) {
		t.Errorf("the token list lacks the active token ci:\n%s", body)
	}
	resp, _ = admin.do(a, "POST", settings, url.Values{"_csrf": {tok}, "action": {"token-revoke"}, "token": {fmt.Sprint(got.ID)}})
	if resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if _, err := svc.AuthenticateToken(ctx, secret); err == nil {
		t.Errorf("the revoked token still authenticates")
	}
	_, body = admin.do(a, "GET", settings, nil)
	if !regexp.MustCompile(`<td>ci</td>.*\s*<td>revoked `).MatchString(body) {
		t.Errorf("the token list does not show ci revoked")
	}

	resp, _ = admin.do(a, "POST", settings, url.Values{"_csrf": {tok}, "action": {"token-create"}, "name": {"bad"}, "scope": {"org:admin"}})
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "not+one+of") && !strings.Contains(resp.Header.Get("Location"), "not%20one%20of") {
		t.Errorf("unknown scope: %d to %q, want a notice", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestSettingsCopyButtons: the DSN and each setup snippet have a copy
// button that the page's script (/static/app.js, allowed by the CSP)
// reveals; without JavaScript the buttons stay hidden and the DSN is in a
// readable, selectable field.
func TestSettingsCopyButtons(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	a, b := signedIn(t, db, "admin", web.Options{PublicURL: "http://errors.example.com"})
	p := storetest.MustCreateProject(t, db, "shop")
	body := b.page(a, fmt.Sprintf("/projects/%d/settings", p.ID))
	for _, want := range []string{
		`<script src="/static/app.js" defer></script>`,
		`<button type="button" data-copy="dsn" hidden>Copy DSN</button>`,
		`<button type="button" data-copy="snippet-0" hidden>Copy Go snippet</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("settings page lacks %s", want)
		}
	}
	resp, js := b.do(a, "GET", "/static/app.js", nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(js, "navigator.clipboard.writeText") {
		t.Errorf("/static/app.js: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Other pages load no script.
	_, body = b.do(a, "GET", "/projects", nil)
	if strings.Contains(body, "<script") {
		t.Errorf("the projects page loads a script")
	}
}

// TestSettingsBundles: the settings page lists the project's source map
// bundles with their files and sizes, and their total.
func TestSettingsBundles(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	a, b := signedIn(t, db, "admin", web.Options{})
	p := storetest.MustCreateProject(t, db, "shop")
	settings := fmt.Sprintf("/projects/%d/settings", p.ID)
	if body := b.page(a, settings); !strings.Contains(body, "No source maps uploaded yet") {
		t.Errorf("a project without bundles does not say so")
	}
	min, sm := []byte(strings.Repeat("x", 1500)), []byte(strings.Repeat("{}", 600))
	bundle := &core.ArtifactBundle{ProjectID: p.ID, Checksum: strings.Repeat("a", 40), Release: "shop@1.0", Size: int64(len(min) + len(sm)),
		CreatedAt: time.Now().UTC(), Files: []*core.ArtifactFile{
			{Type: core.ArtifactMinifiedSource, URL: "~/app.min.js", Checksum: sha(min), Size: int64(len(min)), Content: min},
			{Type: core.ArtifactSourceMap, URL: "~/app.min.js.map", Checksum: sha(sm), Size: int64(len(sm)), Content: sm},
		}}
	bundle.LastUsed = bundle.CreatedAt
	if _, _, err := db.CreateArtifactBundle(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	body := b.page(a, settings)
	for _, want := range []string{"1 bundle(s) uploaded by sentry-cli, 2.7 KB in all",
		"<td>shop@1.0</td>", "<td>1 minified, 1 source map(s)</td><td>2.7 KB</td>", "<td>not yet</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
