package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// settingsData is a project's settings page (admins).
type settingsData struct {
	Project      *core.Project
	Keys         []keyView
	DSN          string
	Snippets     []snippet
	Destinations []destView
	Alerts       []*core.Alert
	TestResult   string
	TestFailed   bool
	Tokens       []*core.APIToken
	// NewToken is the token just created, with its secret: shown once, in
	// the answer to the form that created it.
	NewToken  *core.APIToken
	PublicURL string
	Slug      string // what SENTRY_PROJECT names the project by
	// Bundles are the newest source map bundles sentry-cli uploaded (at
	// most maxBundlesShown); BundleCount and BundleBytes cover them all.
	Bundles     []bundleView
	BundleCount int
	BundleBytes int64
}

// maxBundlesShown bounds the source map bundles the settings page lists.
const maxBundlesShown = 50

// bundleView is one artifact bundle with its files counted by type.
type bundleView struct {
	*core.ArtifactBundle
	Minified, Maps, Sources int
}

func bundleViews(bs []*core.ArtifactBundle) (out []bundleView, total int64) {
	for i, b := range bs {
		total += b.Size
		if i >= maxBundlesShown {
			continue
		}
		v := bundleView{ArtifactBundle: b}
		for _, f := range b.Files {
			switch f.Type {
			case core.ArtifactMinifiedSource:
				v.Minified++
			case core.ArtifactSourceMap:
				v.Maps++
			default:
				v.Sources++
			}
		}
		out = append(out, v)
	}
	return out, total
}

type keyView struct {
	*core.ProjectKey
	DSN string
}

type destView struct {
	*core.Destination
	Recent []*core.Notification
}

func (u *UI) projectFromParam(c *fiber.Ctx) (*core.Project, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return nil, core.Errorf(core.ENOTFOUND, "no such project")
	}
	return u.svc.FindProject(c.UserContext(), int64(id))
}

func settingsURL(id int64) string { return "/projects/" + strconv.FormatInt(id, 10) + "/settings" }

func (u *UI) handleSettings(c *fiber.Ctx) error {
	p, err := u.projectFromParam(c)
	if err != nil {
		return u.fail(c, err)
	}
	return u.renderSettings(c, p, nil)
}

// renderSettings answers the settings page of p; newToken, when not nil,
// is a token just created, whose secret the page shows this once.
func (u *UI) renderSettings(c *fiber.Ctx, p *core.Project, newToken *core.APIToken) error {
	ctx := c.UserContext()
	d := settingsData{Project: p, TestResult: c.Query("test"), TestFailed: c.Query("failed") != "",
		NewToken: newToken, PublicURL: strings.TrimSuffix(u.opts.PublicURL, "/"), Slug: core.ProjectSlug(p.Name)}
	tokens, err := u.svc.FindTokens(ctx, p.ID)
	if err != nil {
		return u.fail(c, err)
	}
	d.Tokens = tokens
	bundles, err := u.svc.FindArtifactBundles(ctx, p.ID)
	if err != nil {
		return u.fail(c, err)
	}
	d.Bundles, d.BundleBytes = bundleViews(bundles)
	d.BundleCount = len(bundles)
	keys, err := u.svc.FindKeys(ctx, p.ID)
	if err != nil {
		return u.fail(c, err)
	}
	for _, k := range keys {
		d.Keys = append(d.Keys, keyView{ProjectKey: k, DSN: u.dsn(k)})
		if d.DSN == "" && k.RevokedAt == nil {
			d.DSN = u.dsn(k)
		}
	}
	d.Snippets = snippets(d.DSN)
	dests, err := u.svc.FindDestinations(ctx, p.ID)
	if err != nil {
		return u.fail(c, err)
	}
	alerts, _, err := u.svc.FindAlerts(ctx, core.AlertFilter{ProjectID: p.ID, Limit: 50})
	if err != nil {
		return u.fail(c, err)
	}
	d.Alerts = alerts
	for _, dst := range dests {
		dv := destView{Destination: dst}
		for _, a := range alerts {
			for _, n := range a.Notifications {
				if n.DestinationID == dst.ID && len(dv.Recent) < 10 {
					dv.Recent = append(dv.Recent, n)
				}
			}
		}
		d.Destinations = append(d.Destinations, dv)
	}
	return u.render(c, fiber.StatusOK, "settings", p.Name+": settings", d)
}

func (u *UI) settingsBack(c *fiber.Ctx, id int64, notice string) error {
	return c.Redirect(settingsURL(id)+"?notice="+urlEscape(notice), fiber.StatusSeeOther)
}

// handleSettingsAction runs one form of the settings page, by its action
// field: limits, key-create, key-revoke, token-create, token-revoke,
// dest-create, dest-test, dest-delete.
func (u *UI) handleSettingsAction(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := u.projectFromParam(c)
	if err != nil {
		return u.fail(c, err)
	}
	f, _ := formOf(c)
	soft := func(err error) error { // a refused input goes back as a notice
		if code := core.ErrorCode(err); code == core.EINVALID || code == core.ECONFLICT || code == core.ENOTFOUND {
			return u.settingsBack(c, p.ID, core.ErrorMessage(err))
		}
		return u.fail(c, err)
	}
	num := func(name string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get(name)))
		if err != nil {
			return 0, core.FieldErrorf(name, "%s must be a whole number", strings.ReplaceAll(name, "_", " "))
		}
		return n, nil
	}
	idOf := func(name, what string) (int64, error) { // a row's id, as its form sends it
		id, err := strconv.ParseInt(f.Get(name), 10, 64)
		if err != nil {
			return 0, core.Errorf(core.ENOTFOUND, "no such %s", what)
		}
		return id, nil
	}
	switch f.Get("action") {
	case "limits":
		rate, err := num("rate_limit")
		if err != nil {
			return soft(err)
		}
		days, err := num("retention_days")
		if err != nil {
			return soft(err)
		}
		if _, err := u.svc.UpdateProject(ctx, p.ID, core.ProjectUpdate{RateLimit: &rate, RetentionDays: &days}); err != nil {
			return soft(err)
		}
		return u.settingsBack(c, p.ID, "Saved the rate limit and retention.")
	case "key-create":
		rate, err := num("key_rate_limit")
		if err != nil {
			return soft(err)
		}
		if _, err := u.svc.CreateKey(ctx, p.ID, service.CreateKeyInput{Label: f.Get("label"), RateLimit: rate}); err != nil {
			return soft(err)
		}
		return u.settingsBack(c, p.ID, "Created a key.")
	case "key-revoke":
		if err := u.svc.RevokeKey(ctx, p.ID, f.Get("key")); err != nil {
			return soft(err)
		}
		return u.settingsBack(c, p.ID, "Revoked the key; events sent with it are refused.")
	case "token-create":
		t, err := u.svc.CreateToken(ctx, p.ID, service.CreateTokenInput{Name: strings.TrimSpace(f.Get("name")), Scopes: []string{f.Get("scope")}})
		if err != nil {
			return soft(err)
		}
		// The answer itself shows the secret (never a redirect: it would
		// put it in a URL or keep it in the session).
		return u.renderSettings(c, p, t)
	case "token-revoke":
		id, err := idOf("token", "token")
		if err != nil {
			return soft(err)
		}
		if err := u.svc.RevokeToken(ctx, p.ID, id); err != nil {
			return soft(err)
		}
		return u.settingsBack(c, p.ID, "Revoked the token; sentry-cli runs with it are refused.")
	case "dest-create":
		in := service.DestinationInput{Name: f.Get("name"), Plugin: f.Get("plugin"), Config: map[string]any{}}
		switch in.Plugin {
		case "webhook", "slack":
			in.Config["url"] = f.Get("url")
		case "email":
			in.Config["host"] = f.Get("host")
			if port := strings.TrimSpace(f.Get("port")); port != "" {
				n, err := strconv.Atoi(port)
				if err != nil {
					return soft(core.FieldErrorf("port", "port must be a number"))
				}
				in.Config["port"] = n
			}
			in.Config["from"] = f.Get("from")
			in.Config["to"] = f.Get("to")
		default:
			return soft(core.FieldErrorf("plugin", "choose webhook, slack or email"))
		}
		if _, err := u.svc.CreateDestination(ctx, p.ID, in); err != nil {
			return soft(err)
		}
		return u.settingsBack(c, p.ID, "Added the destination.")
	case "dest-test":
		id, err := idOf("dest", "destination")
		if err != nil {
			return soft(err)
		}
		if err := u.svc.TestDestination(ctx, p.ID, id); err != nil {
			if code := core.ErrorCode(err); code == core.ENOTFOUND {
				return soft(err)
			}
			return c.Redirect(settingsURL(p.ID)+"?failed=1&test="+urlEscape("The plugin answered: "+core.ErrorMessage(err)), fiber.StatusSeeOther)
		}
		return c.Redirect(settingsURL(p.ID)+"?test="+urlEscape("The plugin delivered the test notification."), fiber.StatusSeeOther)
	case "dest-delete":
		id, err := idOf("dest", "destination")
		if err != nil {
			return soft(err)
		}
		if err := u.svc.DeleteDestination(ctx, p.ID, id); err != nil {
			return soft(err)
		}
		return u.settingsBack(c, p.ID, "Deleted the destination.")
	}
	return u.renderError(c, fiber.StatusBadRequest, "Unknown action.")
}

// snippet is how one SDK is set up with the project's DSN.
type snippet struct {
	SDK, Code string
}

func snippets(dsn string) []snippet {
	return []snippet{
		{"Go", "import \"github.com/getsentry/sentry-go\"\n\nsentry.Init(sentry.ClientOptions{Dsn: \"" + dsn + "\"})\ndefer sentry.Flush(2 * time.Second)"},
		{"JavaScript (browser)", "import * as Sentry from \"@sentry/browser\";\n\nSentry.init({ dsn: \"" + dsn + "\" });"},
		{"Node.js", "const Sentry = require(\"@sentry/node\");\n\nSentry.init({ dsn: \"" + dsn + "\" });"},
		{"Python", "import sentry_sdk\n\nsentry_sdk.init(dsn=\"" + dsn + "\")"},
		{"Java", "Sentry.init(options -> options.setDsn(\"" + dsn + "\"));"},
		{".NET", "SentrySdk.Init(o => o.Dsn = \"" + dsn + "\");"},
		{"PHP", "\\Sentry\\init(['dsn' => '" + dsn + "']);"},
		{"Ruby", "Sentry.init do |config|\n  config.dsn = '" + dsn + "'\nend"},
	}
}
