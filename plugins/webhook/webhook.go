package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync/atomic"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

// version is the plugin's version, reported by Info and in User-Agent.
const version = "1.0.0"

// webhook posts notifications as JSON. Safe for concurrent Notify calls
// after Configure.
type webhook struct {
	cfg atomic.Pointer[config]
}

func (w *webhook) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{Name: "webhook", Version: version, Description: "POSTs the notification payload as JSON, optionally HMAC-signed"}, nil
}

func (w *webhook) Validate(_ context.Context, c sdk.Config) error {
	_, err := parseConfig(c)
	return err
}

func (w *webhook) Configure(_ context.Context, c sdk.Config) error {
	cfg, err := parseConfig(c)
	if err != nil {
		return err
	}
	cfg.client = cfg.Client()
	w.cfg.Store(cfg)
	return nil
}

func (w *webhook) Notify(ctx context.Context, n sdk.Notification) error {
	cfg := w.cfg.Load()
	if cfg == nil {
		return sdk.Permanent(errors.New("webhook: Notify before Configure"))
	}
	body, err := json.Marshal(n)
	if err != nil {
		return sdk.Permanent(err)
	}
	req, err := cfg.NewPost(ctx, body, "application/json", "Periscope-Webhook/"+version)
	if err != nil {
		return err
	}
	req.Header.Set("X-Periscope-Idempotency-Key", n.IdempotencyKey)
	if cfg.secret != "" {
		req.Header.Set("X-Periscope-Signature", sign(cfg.secret, body))
	}
	return httpclient.Send(cfg.client, req)
}

// sign returns the X-Periscope-Signature value for body: "sha256=" and the
// hex HMAC-SHA256 of the raw body keyed with secret.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
