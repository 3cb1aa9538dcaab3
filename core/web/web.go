package web

import (
	"embed"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configures the UI. Zero values take the documented defaults.
type Options struct {
	// PublicURL is server.public_url: DSNs and links are built from it, and
	// the session cookie is Secure when it is https.
	PublicURL string
	// SessionTTL is how long a sign-in lasts (web.session_ttl; default 7
	// days).
	SessionTTL time.Duration
	// AccountAttempts and AddressAttempts bound the wrong passwords per
	// minute for one email and for one client address (default 5 and 20).
	AccountAttempts, AddressAttempts int
	// Rules serves the grouping rules page; nil leaves it without rules
	// and preview.
	Rules Rules
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// UI serves the pages. Create it with New and Register it on the app.
type UI struct {
	svc      *service.Service
	log      *slog.Logger
	opts     Options
	sessions *session.Store
	pages    *pages
}

// New builds the UI over svc; it fails only when a template does not
// parse.
func New(svc *service.Service, logger *slog.Logger, opts Options) (*UI, error) {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 7 * 24 * time.Hour
	}
	if opts.AccountAttempts <= 0 {
		opts.AccountAttempts = 5
	}
	if opts.AddressAttempts <= 0 {
		opts.AddressAttempts = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	u := &UI{svc: svc, log: logger, opts: opts, pages: p}
	u.sessions = newSessionStore(svc.Store, opts)
	return u, nil
}

// Register adds the UI's routes to app (routes.go).
func (u *UI) Register(app *fiber.App) { u.routes(app) }

// dsn is the DSN of a key.
func (u *UI) dsn(k *core.ProjectKey) string { return core.DSN(u.opts.PublicURL, k) }
