package main

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

// config is a parsed, valid webhook configuration.
type config struct {
	url          string
	headers      map[string]string
	secret       string
	timeout      time.Duration
	allowPrivate bool
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// reserved headers are set by the plugin (or by net/http) and cannot be
// overridden from the config.
var reserved = map[string]bool{
	"Host": true, "Content-Length": true, "Content-Type": true, "Transfer-Encoding": true,
	"Connection": true, "X-Periscope-Signature": true, "X-Periscope-Idempotency-Key": true,
}

func parseConfig(c sdk.Config) (*config, error) {
	if err := c.CheckKeys("url", "headers", "secret", "timeout"); err != nil {
		return nil, err
	}
	cfg := &config{allowPrivate: c.AllowPrivateNetworks()}
	raw, err := c.String("url", true)
	if err != nil {
		return nil, err
	}
	u, err := httpclient.ValidateURL("url", raw, cfg.allowPrivate)
	if err != nil {
		return nil, err
	}
	cfg.url = u.String()
	if cfg.headers, err = c.StringMap("headers"); err != nil {
		return nil, err
	}
	for name, value := range cfg.headers {
		field := "headers." + name
		if !headerName.MatchString(name) {
			return nil, sdk.FieldError(field, "is not a valid header name")
		} else if reserved[http.CanonicalHeaderKey(name)] {
			return nil, sdk.FieldError(field, "is set by the plugin and cannot be configured")
		} else if strings.ContainsAny(value, "\r\n\x00") {
			return nil, sdk.FieldError(field, "must not contain line breaks")
		}
	}
	if cfg.secret, err = c.String("secret", false); err != nil {
		return nil, err
	}
	if cfg.timeout, err = c.Duration("timeout", 10*time.Second); err != nil {
		return nil, err
	} else if cfg.timeout <= 0 || cfg.timeout > 5*time.Minute {
		return nil, sdk.FieldError("timeout", "must be between 1ms and 5m")
	}
	return cfg, nil
}
