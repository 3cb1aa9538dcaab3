package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
)

// TestDestinationSecretsMasked: the admin API never answers with a
// destination's secrets, and a PATCH that sends back the config as read
// keeps them.
func TestDestinationSecretsMasked(t *testing.T) {
	s, notifier := mustNotifyServer(t)
	ctx := context.Background()
	base := fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", s.Project.ID)
	config := map[string]any{
		"url": "https://hooks.example.com/a", "secret": "s3",
		"headers": map[string]any{"Authorization": "Bearer t0ken", "X-Team": "blue"},
	}
	code, body := s.Admin(t, "POST", base, map[string]any{"name": "signed", "plugin": "webhook", "config": config})
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	noSecrets(t, "POST", body)
	var created core.Destination
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	one := fmt.Sprintf("%s/%d", base, created.ID)

	code, body = s.Admin(t, "GET", base, nil)
	if code != 200 || !strings.Contains(string(body), `"secret":"********"`) {
		t.Errorf("list: %d %s", code, body)
	}
	noSecrets(t, "GET list", body)
	code, body = s.Admin(t, "GET", one, nil)
	noSecrets(t, "GET", body)
	var read core.Destination
	if err := json.Unmarshal(body, &read); code != 200 || err != nil {
		t.Fatalf("GET: %d %s", code, body)
	}
	headers, _ := read.Config["headers"].(map[string]any)
	if read.Config["secret"] != phttp.SecretMask || headers["Authorization"] != phttp.SecretMask ||
		headers["X-Team"] != "blue" || read.Config["url"] != "https://hooks.example.com/a" {
		t.Errorf("GET config %v, want the secret and the Authorization header masked, the rest as sent", read.Config)
	}

	// Edit what was read and send it all back.
	read.Config["url"] = "https://hooks.example.com/b"
	code, body = s.Admin(t, "PATCH", one, map[string]any{"name": "x", "config": read.Config})
	if code != 200 {
		t.Fatalf("PATCH with the config as read: %d %s", code, body)
	}
	noSecrets(t, "PATCH", body)
	stored, err := s.Store.FindDestinationByID(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	storedHeaders, _ := stored.Config["headers"].(map[string]any)
	if stored.Name != "x" || stored.Config["secret"] != "s3" || storedHeaders["Authorization"] != "Bearer t0ken" ||
		stored.Config["url"] != "https://hooks.example.com/b" {
		t.Errorf("stored after PATCH: %+v, want the secrets kept and the url changed", stored)
	}
	// What the plugin host gets to deliver with is the stored secret.
	if code, body := s.Admin(t, "POST", one+"/test", nil); code != 200 {
		t.Fatalf("test: %d %s", code, body)
	}
	notifier.mu.Lock()
	sent := notifier.tests[len(notifier.tests)-1]
	notifier.mu.Unlock()
	if sent.Config["secret"] != "s3" {
		t.Errorf("the test notification was sent with secret %v, want s3", sent.Config["secret"])
	}

	// A new secret replaces the old one; a mask with nothing behind it is refused.
	code, body = s.Admin(t, "PATCH", one, map[string]any{"config": map[string]any{"url": "https://hooks.example.com/b", "secret": "s4"}})
	if code != 200 {
		t.Fatalf("PATCH with a new secret: %d %s", code, body)
	}
	if stored, err := s.Store.FindDestinationByID(ctx, created.ID); err != nil || stored.Config["secret"] != "s4" || stored.Config["headers"] != nil {
		t.Errorf("stored after a new secret: %+v (%v)", stored, err)
	}
	code, body = s.Admin(t, "PATCH", one, map[string]any{"config": map[string]any{"url": "https://hooks.example.com/b", "token": phttp.SecretMask}})
	if code != 400 || errorBody(t, body).Field != "config.token" {
		t.Errorf("PATCH with a mask for a secret never stored: %d %s, want 400 naming config.token", code, body)
	}
	code, body = s.Admin(t, "POST", base, map[string]any{"name": "copy", "plugin": "webhook",
		"config": map[string]any{"url": "https://hooks.example.com/c", "secret": phttp.SecretMask}})
	if code != 400 || errorBody(t, body).Field != "config.secret" {
		t.Errorf("POST with a mask for the secret: %d %s, want 400 naming config.secret", code, body)
	}
}

// noSecrets fails when an answer shows a secret of TestDestinationSecretsMasked.
func noSecrets(tb testing.TB, what string, body []byte) {
	tb.Helper()
	for _, secret := range []string{"s3", "t0ken"} {
		if strings.Contains(string(body), secret) {
			tb.Errorf("%s answered with the secret %q: %s", what, secret, body)
		}
	}
}
