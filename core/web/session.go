package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"github.com/periscope-hq/periscope/core"
)

// Session keys.
const (
	keyUser = "uid"  // int64: the signed-in user
	keyCSRF = "csrf" // string: the token every form sends back
)

// CookieName is the session cookie.
const CookieName = "periscope_session"

// dbStorage is a fiber.Storage over the store's web_sessions table. Keys
// (the cookie's token) are stored as their sha256, so reading the table
// signs nobody in.
type dbStorage struct {
	store core.UserStore
	now   func() time.Time
}

func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

func (s *dbStorage) Get(key string) ([]byte, error) {
	if key == "" {
		return nil, nil
	}
	b, err := s.store.GetSession(context.Background(), hashKey(key), s.now())
	if core.IsNotFound(err) {
		return nil, nil
	}
	return b, err
}

func (s *dbStorage) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	return s.store.SetSession(context.Background(), hashKey(key), val, s.now().Add(exp))
}

func (s *dbStorage) Delete(key string) error {
	if key == "" {
		return nil
	}
	return s.store.DeleteSession(context.Background(), hashKey(key))
}

// Reset is not offered: sessions are removed one by one or when expired.
func (s *dbStorage) Reset() error { return nil }

// Close does nothing: the store belongs to the server.
func (s *dbStorage) Close() error { return nil }

// randomToken returns 32 random bytes as hex.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func newSessionStore(store core.UserStore, opts Options) *session.Store {
	return session.New(session.Config{
		Expiration:     opts.SessionTTL,
		Storage:        &dbStorage{store: store, now: opts.Now},
		KeyLookup:      "cookie:" + CookieName,
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		CookieSecure:   strings.HasPrefix(opts.PublicURL, "https://"),
		CookiePath:     "/",
		KeyGenerator:   randomToken,
	})
}

// viewer is who asks: the signed-in user (nil when nobody is) and the
// session's CSRF token.
type viewer struct {
	User *core.User
	CSRF string
	sess *session.Session
}

func (v *viewer) Admin() bool { return v.User != nil && v.User.Role == core.RoleAdmin }

type viewerKey struct{}

// loadSession reads the session and its user once per request.
func (u *UI) loadSession(c *fiber.Ctx) error {
	sess, err := u.sessions.Get(c)
	if err != nil {
		return u.fail(c, err)
	}
	v := &viewer{sess: sess}
	v.CSRF, _ = sess.Get(keyCSRF).(string)
	if id, ok := sess.Get(keyUser).(int64); ok {
		usr, err := u.svc.FindUser(c.UserContext(), id)
		if err != nil && !core.IsNotFound(err) {
			return u.fail(c, err)
		}
		v.User = usr // nil for a deleted user: signed out
	}
	c.Locals(viewerKey{}, v)
	return c.Next()
}

func viewerOf(c *fiber.Ctx) *viewer {
	if v, ok := c.Locals(viewerKey{}).(*viewer); ok {
		return v
	}
	return &viewer{}
}

// ensureCSRF gives the session a CSRF token (saving it) when it has none,
// for a form shown before sign-in.
func (u *UI) ensureCSRF(v *viewer) error {
	if v.CSRF != "" {
		return nil
	}
	v.CSRF = randomToken()
	v.sess.Set(keyCSRF, v.CSRF)
	return v.sess.Save()
}

// requireUser sends a visitor who is not signed in to the sign-in page
// (GET) or answers 401 (other methods).
func (u *UI) requireUser(c *fiber.Ctx) error {
	if viewerOf(c).User != nil {
		return c.Next()
	}
	if c.Method() == fiber.MethodGet {
		return c.Redirect("/signin?next="+urlEscape(string(c.Request().URI().RequestURI())), fiber.StatusSeeOther)
	}
	return u.renderError(c, fiber.StatusUnauthorized, "Sign in first.")
}

// requireAdmin answers 403 to a member.
func (u *UI) requireAdmin(c *fiber.Ctx) error {
	if viewerOf(c).Admin() {
		return c.Next()
	}
	return u.renderError(c, fiber.StatusForbidden, "Only admins can see this page.")
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
