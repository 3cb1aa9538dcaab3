package httpclient

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/sdk/notifier"
)

// Endpoint is the part of an HTTP notifier's configuration that every such
// plugin shares: where to POST, which extra headers to send, and how long
// a request may take. ParseEndpoint returns it checked.
type Endpoint struct {
	// URL is an absolute http or https URL accepted by ValidateURL.
	URL string
	// Headers are the configured extra request headers (may be nil).
	Headers map[string]string
	// Timeout bounds one request: 1ms to 5m, 10s when not configured.
	Timeout time.Duration
	// AllowPrivate is Config.AllowPrivateNetworks, for Client.
	AllowPrivate bool
}

// headerName is RFC 9110's token: the characters a header name may hold.
var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// ParseEndpoint reads the keys "url" (required, checked by ValidateURL),
// "headers" (an object of strings) and "timeout" (a duration, default
// 10s, at most 5m) from c, in that order, and returns the first problem as
// a *notifier.ConfigError naming the field ("headers.<name>" for a bad
// header). reserved lists the headers the plugin sets itself, in
// canonical form (http.CanonicalHeaderKey); configuring one is refused.
// It does not check for unknown keys: the plugin calls Config.CheckKeys
// with its own list first.
func ParseEndpoint(c notifier.Config, reserved ...string) (Endpoint, error) {
	e := Endpoint{AllowPrivate: c.AllowPrivateNetworks()}
	raw, err := c.String("url", true)
	if err != nil {
		return Endpoint{}, err
	}
	u, err := ValidateURL("url", raw, e.AllowPrivate)
	if err != nil {
		return Endpoint{}, err
	}
	e.URL = u.String()
	if e.Headers, err = c.StringMap("headers"); err != nil {
		return Endpoint{}, err
	}
	for name, value := range e.Headers {
		field := "headers." + name
		switch {
		case !headerName.MatchString(name):
			return Endpoint{}, notifier.FieldError(field, "is not a valid header name")
		case slices.Contains(reserved, http.CanonicalHeaderKey(name)):
			return Endpoint{}, notifier.FieldError(field, "is set by the plugin and cannot be configured")
		case strings.ContainsAny(value, "\r\n\x00"):
			return Endpoint{}, notifier.FieldError(field, "must not contain line breaks")
		}
	}
	if e.Timeout, err = c.Duration("timeout", 10*time.Second); err != nil {
		return Endpoint{}, err
	} else if e.Timeout <= 0 || e.Timeout > 5*time.Minute {
		return Endpoint{}, notifier.FieldError("timeout", "must be between 1ms and 5m")
	}
	return e, nil
}

// Client returns a client for the endpoint: New with its timeout and
// private-network setting.
func (e Endpoint) Client() *http.Client {
	return New(Options{Timeout: e.Timeout, AllowPrivateNetworks: e.AllowPrivate})
}

// NewPost returns a POST of body to the endpoint carrying the configured
// headers, then Content-Type contentType, and User-Agent userAgent unless
// a configured header sets one. An error is permanent and never carries
// the URL's path or query.
func (e Endpoint) NewPost(ctx context.Context, body []byte, contentType, userAgent string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return nil, notifier.Permanent(Redact(err))
	}
	for k, v := range e.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", contentType)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	return req, nil
}
