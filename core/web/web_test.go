package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core/service"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/web"
)

// app is a UI over a store, as a Fiber app tests call in-process.
type app struct {
	t   *testing.T
	app *fiber.App
}

func newApp(t *testing.T, db *sqlite.DB, opts web.Options) *app {
	t.Helper()
	ui, err := web.New(service.New(db, nil), slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	a := fiber.New()
	ui.Register(a)
	return &app{t, a}
}

func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// browser keeps cookies across requests.
type browser struct {
	cookies map[string]string
}

func (b *browser) do(a *app, method, path string, form url.Values, header ...string) (*http.Response, string) {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := a.app.Test(req, -1)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

func (b *browser) csrf(a *app, path string) string {
	a.t.Helper()
	_, body := b.do(a, "GET", path, nil)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		a.t.Fatalf("GET %s has no CSRF field:\n%s", path, body)
	}
	return m[1]
}

func (b *browser) signIn(a *app, email, pw string) *http.Response {
	a.t.Helper()
	tok := b.csrf(a, "/signin")
	resp, _ := b.do(a, "POST", "/signin", url.Values{"_csrf": {tok}, "email": {email}, "password": {pw}})
	return resp
}

func mustUser(t *testing.T, db *sqlite.DB, email, role string) {
	t.Helper()
	if _, err := service.New(db, nil).CreateUser(context.Background(), service.CreateUserInput{Email: email, Role: role, Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
}

// wrongToken returns tok with its first character changed.
func wrongToken(tok string) string {
	if tok[0] == '0' {
		return "1" + tok[1:]
	}
	return "0" + tok[1:]
}

// TestSessionSurvivesRestart: the session and its CSRF token live in the
// database, so a UI started again over the same file (a restart, or
// another node) accepts both.
func TestSessionSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db := openDB(t, path)
	mustUser(t, db, "ada@example.com", "admin")
	b := &browser{cookies: map[string]string{}}
	a1 := newApp(t, db, web.Options{})
	if resp := b.signIn(a1, "ada@example.com", "correct horse"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/projects" {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok := b.csrf(a1, "/projects")

	a2 := newApp(t, db, web.Options{}) // nothing shared but the database
	resp, body := b.do(a2, "POST", "/projects", url.Values{"_csrf": {tok}, "name": {"after-restart"}})
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "Created") {
		t.Fatalf("POST after restart: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	// A POST with a wrong token, or from another site, changes nothing.
	for _, c := range []struct {
		form   url.Values
		header []string
	}{
		{url.Values{"_csrf": {wrongToken(tok)}, "name": {"forged"}}, nil},
		{url.Values{"name": {"forged"}}, nil},
		{url.Values{"_csrf": {tok}, "name": {"forged"}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{url.Values{"_csrf": {tok}, "name": {"forged"}}, []string{"Origin", "http://evil.example"}},
	} {
		if resp, _ := b.do(a2, "POST", "/projects", c.form, c.header...); resp.StatusCode != 403 {
			t.Errorf("forged POST %v %v: %d, want 403", c.form, c.header, resp.StatusCode)
		}
	}
	ps, _ := db.FindProjects(context.Background())
	if len(ps) != 1 || ps[0].Name != "after-restart" {
		t.Fatalf("projects %+v, want only after-restart", ps)
	}

	// Sign-out ends the session in the database: the old cookie is
	// refused everywhere.
	old := b.cookies[web.CookieName]
	if resp, _ := b.do(a2, "POST", "/signout", url.Values{"_csrf": {tok}}); resp.StatusCode != 303 {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	replay := &browser{cookies: map[string]string{web.CookieName: old}}
	if resp, _ := replay.do(a1, "GET", "/projects", nil); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("old cookie after sign-out: %d to %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestSessionCookie: HttpOnly, SameSite=Lax, Secure behind an https
// public URL, and the configured lifetime; an expired session is over.
func TestSessionCookie(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	mustUser(t, db, "ada@example.com", "member")
	now := time.Now()
	a := newApp(t, db, web.Options{PublicURL: "https://errors.example.com", SessionTTL: time.Hour, Now: func() time.Time { return now }})
	b := &browser{cookies: map[string]string{}}
	resp := b.signIn(a, "ada@example.com", "correct horse")
	var c *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == web.CookieName {
			c = x
		}
	}
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 3600 {
		t.Fatalf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax, Max-Age 3600", c)
	}
	if resp, _ := b.do(a, "GET", "/projects", nil); resp.StatusCode != 200 {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	now = now.Add(61 * time.Minute)
	if resp, _ := b.do(a, "GET", "/projects", nil); resp.StatusCode != 303 {
		t.Fatalf("after the TTL: %d, want a redirect to sign in", resp.StatusCode)
	}
}

// TestWrongPasswordsAreSlowedDown: past 5 wrong passwords a minute for an
// account, or 20 for an address, sign-in answers 429, even with the right
// password; other accounts from another address are not affected.
func TestWrongPasswordsAreSlowedDown(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	mustUser(t, db, "ada@example.com", "admin")
	mustUser(t, db, "bob@example.com", "member")
	a := newApp(t, db, web.Options{})
	b := &browser{cookies: map[string]string{}}
	tok := b.csrf(a, "/signin")
	try := func(email, pw string) int {
		resp, _ := b.do(a, "POST", "/signin", url.Values{"_csrf": {tok}, "email": {email}, "password": {pw}})
		return resp.StatusCode
	}
	for i := 0; i < 5; i++ {
		if code := try("ada@example.com", "wrong password"); code != 401 {
			t.Fatalf("wrong password %d: %d, want 401", i+1, code)
		}
	}
	if code := try("ada@example.com", "correct horse"); code != 429 {
		t.Fatalf("6th attempt on the account: %d, want 429", code)
	}
	if code := try("bob@example.com", "correct horse"); code != 303 {
		t.Fatalf("another account: %d, want 303", code)
	}
	// The address limit: 20 failures from one address, any accounts (a
	// new visitor: bob's sign-in replaced the session and its token).
	b = &browser{cookies: map[string]string{}}
	tok = b.csrf(a, "/signin")
	for i := 0; i < 14; i++ {
		if code := try("nobody"+string(rune('a'+i))+"@example.com", "wrong password"); code != 401 {
			t.Logf("attempt %d: %d", i, code)
		}
	}
	b2 := &browser{cookies: map[string]string{}}
	tok = b2.csrf(a, "/signin")
	if resp, _ := b2.do(a, "POST", "/signin", url.Values{"_csrf": {tok}, "email": {"bob@example.com"}, "password": {"correct horse"}}); resp.StatusCode != 429 {
		t.Fatalf("after 20 failures from the address: %d, want 429", resp.StatusCode)
	}
}

// TestFreshInstall: with no user, / leads to the command that creates the
// first one.
func TestFreshInstall(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	a := newApp(t, db, web.Options{})
	b := &browser{cookies: map[string]string{}}
	resp, _ := b.do(a, "GET", "/", nil)
	if resp.StatusCode != 303 {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	resp, body := b.do(a, "GET", resp.Header.Get("Location"), nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "periscope user create --email you@example.com --role admin") {
		t.Fatalf("fresh install page: %d\n%s", resp.StatusCode, body)
	}
}
