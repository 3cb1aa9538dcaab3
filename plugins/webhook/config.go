package main

import (
	"net/http"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

// config is a parsed, valid webhook configuration.
type config struct {
	httpclient.Endpoint
	secret string
	client *http.Client // built by Configure
}

// reserved headers are set by the plugin (or by net/http) and cannot be
// overridden from the config.
var reserved = []string{
	"Host", "Content-Length", "Content-Type", "Transfer-Encoding",
	"Connection", "X-Periscope-Signature", "X-Periscope-Idempotency-Key",
}

func parseConfig(c sdk.Config) (*config, error) {
	if err := c.CheckKeys("url", "headers", "secret", "timeout"); err != nil {
		return nil, err
	}
	e, err := httpclient.ParseEndpoint(c, reserved...)
	if err != nil {
		return nil, err
	}
	cfg := &config{Endpoint: e}
	if cfg.secret, err = c.String("secret", false); err != nil {
		return nil, err
	}
	return cfg, nil
}
