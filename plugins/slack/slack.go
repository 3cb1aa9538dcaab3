package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

const version = "1.0.0"

// config is a parsed, valid Slack configuration.
type config struct {
	url          string
	headers      map[string]string
	timeout      time.Duration
	allowPrivate bool
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func parseConfig(c sdk.Config) (*config, error) {
	if err := c.CheckKeys("url", "headers", "timeout"); err != nil {
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
		switch {
		case !headerName.MatchString(name):
			return nil, sdk.FieldError("headers."+name, "is not a valid header name")
		case http.CanonicalHeaderKey(name) == "Content-Type" || http.CanonicalHeaderKey(name) == "Host" || http.CanonicalHeaderKey(name) == "Content-Length":
			return nil, sdk.FieldError("headers."+name, "is set by the plugin and cannot be configured")
		case strings.ContainsAny(value, "\r\n\x00"):
			return nil, sdk.FieldError("headers."+name, "must not contain line breaks")
		}
	}
	if cfg.timeout, err = c.Duration("timeout", 10*time.Second); err != nil {
		return nil, err
	} else if cfg.timeout <= 0 || cfg.timeout > 5*time.Minute {
		return nil, sdk.FieldError("timeout", "must be between 1ms and 5m")
	}
	return cfg, nil
}

// slack posts Block Kit messages. Safe for concurrent Notify calls after
// Configure.
type slack struct {
	mu     sync.RWMutex
	cfg    *config
	client *http.Client
}

func (s *slack) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{Name: "slack", Version: version, Description: "Slack incoming webhook (Block Kit)"}, nil
}

func (s *slack) Validate(_ context.Context, c sdk.Config) error {
	_, err := parseConfig(c)
	return err
}

func (s *slack) Configure(_ context.Context, c sdk.Config) error {
	cfg, err := parseConfig(c)
	if err != nil {
		return err
	}
	client := httpclient.New(httpclient.Options{Timeout: cfg.timeout, AllowPrivateNetworks: cfg.allowPrivate})
	s.mu.Lock()
	s.cfg, s.client = cfg, client
	s.mu.Unlock()
	return nil
}

func (s *slack) Notify(ctx context.Context, n sdk.Notification) error {
	s.mu.RLock()
	cfg, client := s.cfg, s.client
	s.mu.RUnlock()
	if cfg == nil {
		return sdk.Permanent(errors.New("slack: Notify before Configure"))
	}
	body, err := json.Marshal(buildMessage(n))
	if err != nil {
		return sdk.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.url, bytes.NewReader(body))
	if err != nil {
		return sdk.Permanent(httpclient.Redact(err))
	}
	for k, v := range cfg.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "Periscope-Slack/"+version)
	}
	return httpclient.Send(client, req)
}
