package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/sdk/notifier"
)

// ValidateURL parses a destination URL from a plugin's config. It must be
// absolute http or https with a host and no user info; unless allowPrivate,
// a literal internal IP or "localhost" is refused here already (names are
// checked again at dial time). Problems are *notifier.ConfigError naming
// field.
func ValidateURL(field, raw string, allowPrivate bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, notifier.FieldError(field, "is not a valid URL")
	} else if u.Scheme != "http" && u.Scheme != "https" {
		return nil, notifier.FieldError(field, "must be an http or https URL")
	} else if u.Host == "" || u.Hostname() == "" {
		return nil, notifier.FieldError(field, "must have a host")
	} else if u.User != nil {
		return nil, notifier.FieldError(field, "must not contain user info; use headers for credentials")
	}
	if !allowPrivate {
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if ip, err := netip.ParseAddr(host); (err == nil && Forbidden(ip)) || host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return nil, notifier.FieldError(field, "points to a loopback, private or link-local address; set notify.allow_private_networks to allow it")
		}
	}
	return u, nil
}

// Send performs req with c and classifies the outcome: nil for any 2xx;
// an error marked with notifier.RetryAfter (when the receiver sent
// Retry-After) or plain for 429 and 5xx and for network errors; an error
// marked notifier.Permanent for every other status and for a refused
// address. The response body is drained and closed; up to 512 bytes of it
// go into the error message. Errors never contain the URL's path or query.
func Send(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		var fe *ForbiddenAddressError
		if errors.As(err, &fe) {
			return notifier.Permanent(fe)
		}
		if ctxErr := req.Context().Err(); ctxErr != nil && errors.Is(err, context.Canceled) {
			return ctxErr
		}
		return Redact(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return Classify(resp.StatusCode, resp.Header, snippet)
}

// Classify turns an HTTP status into Send's error classes; body is a
// snippet of the response for the message.
func Classify(status int, h http.Header, body []byte) error {
	if status >= 200 && status < 300 {
		return nil
	}
	msg := fmt.Sprintf("receiver answered HTTP %d", status)
	if s := oneLine(body); s != "" {
		msg += ": " + s
	}
	err := errors.New(msg)
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		if d, ok := retryAfter(h.Get("Retry-After"), time.Now()); ok {
			return notifier.RetryAfter(err, d)
		}
		return err
	case status >= 300 && status < 400:
		return notifier.Permanent(fmt.Errorf("%s (redirects are not followed; use the final URL)", msg))
	default:
		return notifier.Permanent(err)
	}
}

// Redact removes the path and query of the URL in a *url.Error (Slack
// webhook URLs, tokens in queries) and leaves other errors as they are.
func Redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	short := "<url>"
	if perr == nil && u.Host != "" {
		short = u.Scheme + "://" + u.Host + "/…"
	}
	return &url.Error{Op: ue.Op, URL: short, Err: ue.Err}
}

func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now), true
	}
	return 0, false
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
