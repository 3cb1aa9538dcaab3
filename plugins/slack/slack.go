package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

const version = "1.0.0"

// config is a parsed, valid Slack configuration.
type config struct {
	httpclient.Endpoint
	client *http.Client // built by Configure
}

// reserved are the headers the plugin sets; the config cannot override them.
var reserved = []string{"Content-Type", "Host", "Content-Length"}

func parseConfig(c sdk.Config) (*config, error) {
	if err := c.CheckKeys("url", "headers", "timeout"); err != nil {
		return nil, err
	}
	e, err := httpclient.ParseEndpoint(c, reserved...)
	if err != nil {
		return nil, err
	}
	return &config{Endpoint: e}, nil
}

// slack posts Block Kit messages. Safe for concurrent Notify calls after
// Configure.
type slack struct {
	cfg atomic.Pointer[config]
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
	cfg.client = cfg.Client()
	s.cfg.Store(cfg)
	return nil
}

func (s *slack) Notify(ctx context.Context, n sdk.Notification) error {
	cfg := s.cfg.Load()
	if cfg == nil {
		return sdk.Permanent(errors.New("slack: Notify before Configure"))
	}
	body, err := json.Marshal(buildMessage(n))
	if err != nil {
		return sdk.Permanent(err)
	}
	req, err := cfg.NewPost(ctx, body, "application/json; charset=utf-8", "Periscope-Slack/"+version)
	if err != nil {
		return err
	}
	return httpclient.Send(cfg.client, req)
}
