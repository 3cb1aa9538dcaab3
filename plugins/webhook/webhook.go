package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

// version is the plugin's version, reported by Info and in User-Agent.
const version = "1.0.0"

// webhook posts notifications as JSON. Safe for concurrent Notify calls
// after Configure.
type webhook struct {
	mu     sync.RWMutex
	cfg    *config
	client *http.Client
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
	client := httpclient.New(httpclient.Options{Timeout: cfg.timeout, AllowPrivateNetworks: cfg.allowPrivate})
	w.mu.Lock()
	w.cfg, w.client = cfg, client
	w.mu.Unlock()
	return nil
}

func (w *webhook) Notify(ctx context.Context, n sdk.Notification) error {
	w.mu.RLock()
	cfg, client := w.cfg, w.client
	w.mu.RUnlock()
	if cfg == nil {
		return sdk.Permanent(errors.New("webhook: Notify before Configure"))
	}
	body, err := json.Marshal(n)
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
	req.Header.Set("Content-Type", "application/json")
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "Periscope-Webhook/"+version)
	}
	req.Header.Set("X-Periscope-Idempotency-Key", n.IdempotencyKey)
	if cfg.secret != "" {
		req.Header.Set("X-Periscope-Signature", sign(cfg.secret, body))
	}
	return httpclient.Send(client, req)
}

// sign returns the X-Periscope-Signature value for body: "sha256=" and the
// hex HMAC-SHA256 of the raw body keyed with secret.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
