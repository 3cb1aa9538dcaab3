package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// checkCSRF guards every state-changing request: it must not come from
// another site (Sec-Fetch-Site, or an Origin other than this host), and
// its _csrf form field must be the session's token. Otherwise 403, and
// the handler never runs. The token lives in the session row, so it
// survives a restart and works on every node.
func (u *UI) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return u.renderError(c, fiber.StatusForbidden, "This form was sent from another site, so nothing was changed.")
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" {
		if ou, err := url.Parse(o); err != nil || (ou.Host != c.Hostname() && o != u.publicOrigin()) {
			return u.renderError(c, fiber.StatusForbidden, "This form was sent from another site, so nothing was changed.")
		}
	}
	f, err := formOf(c)
	if err != nil {
		return u.renderError(c, fiber.StatusBadRequest, "The form could not be read.")
	}
	if !sameToken(f.Get("_csrf"), viewerOf(c).CSRF) {
		return u.renderError(c, fiber.StatusForbidden, "This form has expired or was not sent from this site, so nothing was changed. Reload the page and try again.")
	}
	return c.Next()
}

// publicOrigin is server.public_url's scheme and host: behind a proxy
// the Host header may differ from what the browser shows.
func (u *UI) publicOrigin() string {
	pu, err := url.Parse(u.opts.PublicURL)
	if err != nil || pu.Host == "" {
		return ""
	}
	return pu.Scheme + "://" + pu.Host
}

type formKey struct{}

// maxForm bounds a form body (the rules preview is the largest).
const maxForm = 1 << 20

// formOf parses the request's urlencoded body once.
func formOf(c *fiber.Ctx) (url.Values, error) {
	if f, ok := c.Locals(formKey{}).(url.Values); ok {
		return f, nil
	}
	body := c.Body()
	if len(body) > maxForm {
		return nil, fiber.ErrRequestEntityTooLarge
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	c.Locals(formKey{}, f)
	return f, nil
}

func urlEscape(s string) string { return url.QueryEscape(s) }
