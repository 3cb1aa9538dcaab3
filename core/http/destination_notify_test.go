package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// fakeNotifier validates like a plugin host would: known plugins webhook
// and slack, config.url required; SendTest fails when config.fail is set.
type fakeNotifier struct {
	mu         sync.Mutex
	tests      []*core.Destination
	validation int
}

// validated returns how many destinations ValidateDestination saw.
func (f *fakeNotifier) validated() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.validation
}

func (f *fakeNotifier) ValidateDestination(_ context.Context, d *core.Destination) error {
	f.mu.Lock()
	f.validation++
	f.mu.Unlock()
	if d.Name == "" {
		return core.FieldErrorf("name", "name is required")
	}
	if d.When == "syntax error" {
		return core.FieldErrorf("when", "when does not compile")
	}
	if d.Plugin != "webhook" && d.Plugin != "slack" {
		return core.FieldErrorf("plugin", "plugin %q not found", d.Plugin)
	}
	if u, _ := d.Config["url"].(string); !strings.HasPrefix(u, "https://") {
		return core.FieldErrorf("config.url", "url must be an https URL")
	}
	return nil
}

func (f *fakeNotifier) SendTest(_ context.Context, d *core.Destination, p *core.Project) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tests = append(f.tests, d)
	if d.Config["fail"] != nil {
		return core.Errorf(core.EINVALID, "test notification failed: 404 Not Found")
	}
	return nil
}

func mustNotifyServer(tb testing.TB) (*testServer, *fakeNotifier) {
	tb.Helper()
	s := MustOpenServer(tb, phttp.Options{}, pipeline.Options{})
	n := &fakeNotifier{}
	s.Notify = n
	return s, n
}

// errorBody decodes the admin API's error shape.
func errorBody(tb testing.TB, body []byte) phttp.ErrorDetail {
	tb.Helper()
	var e phttp.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
		tb.Fatalf("not an admin error body (%v): %s", err, body)
	}
	return e.Error
}

func TestDestinationRoutes(t *testing.T) {
	s, notifier := mustNotifyServer(t)
	base := fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", s.Project.ID)

	code, body := s.Admin(t, "POST", base, map[string]any{
		"name": "ops", "plugin": "webhook", "config": map[string]any{"url": "https://hooks.example.com/a", "secret": "s"},
		"when": `alert.kind == "new_issue"`,
	})
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var ops core.Destination
	if err := json.Unmarshal(body, &ops); err != nil || ops.ID <= 0 || ops.Name != "ops" || ops.Plugin != "webhook" ||
		ops.When == "" || ops.Source != "api" || ops.ProjectID != s.Project.ID || ops.Config["secret"] != phttp.SecretMask ||
		ops.Config["url"] != "https://hooks.example.com/a" {
		t.Fatalf("created %+v (%v)", ops, err)
	}
	if stored, err := s.Store.FindDestinationByID(context.Background(), ops.ID); err != nil || stored.Config["secret"] != "s" {
		t.Fatalf("stored %+v (%v), want the secret itself", stored, err)
	}

	// The original body.
	code, body = s.Admin(t, "POST", base, map[string]any{
		"type": "slack_webhook", "webhook_url": "https://hooks.slack.com/services/T/B/X",
		"webhook_headers": map[string]string{"X-Team": "blue"},
	})
	if code != 201 {
		t.Fatalf("create (original body): %d %s", code, body)
	}
	var slack core.Destination
	json.Unmarshal(body, &slack)
	headers, _ := slack.Config["headers"].(map[string]any)
	if slack.Plugin != "slack" || slack.Config["url"] != phttp.SecretMask || headers["X-Team"] != "blue" ||
		slack.Name != "slack_webhook hooks.slack.com" {
		t.Errorf("original body became %+v", slack)
	}
	code, body = s.Admin(t, "POST", base, map[string]any{"type": "generic_webhook", "webhook_url": "https://example.com/hook", "name": "generic"})
	if code != 201 {
		t.Fatalf("create generic_webhook: %d %s", code, body)
	}

	for _, c := range []struct {
		name  string
		body  map[string]any
		code  int
		field string
	}{
		{"ConfigRejected", map[string]any{"name": "bad", "plugin": "webhook", "config": map[string]any{"url": "ftp://x"}}, 400, "config.url"},
		{"NoPlugin", map[string]any{"name": "bad", "config": map[string]any{}}, 400, "plugin"},
		{"UnknownPlugin", map[string]any{"name": "bad", "plugin": "pager", "config": map[string]any{"url": "https://x"}}, 400, "plugin"},
		{"BadWhen", map[string]any{"name": "bad", "plugin": "webhook", "config": map[string]any{"url": "https://x"}, "when": "syntax error"}, 400, "when"},
		{"NoName", map[string]any{"plugin": "webhook", "config": map[string]any{"url": "https://x"}}, 400, "name"},
		{"UnknownType", map[string]any{"type": "discord", "webhook_url": "https://x"}, 400, "type"},
		{"NoWebhookURL", map[string]any{"type": "generic_webhook"}, 400, "webhook_url"},
		{"BothShapes", map[string]any{"type": "generic_webhook", "webhook_url": "https://x", "plugin": "webhook"}, 400, "type"},
		{"Duplicate", map[string]any{"name": "ops", "plugin": "webhook", "config": map[string]any{"url": "https://x"}}, 409, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := s.Admin(t, "POST", base, c.body)
			if code != c.code {
				t.Fatalf("status %d, want %d: %s", code, c.code, body)
			}
			if e := errorBody(t, body); e.Field != c.field {
				t.Errorf("error %+v, want field %q", e, c.field)
			}
		})
	}
	if code, body := s.Admin(t, "POST", "/api/admin/projects/4242/alert_notification_destinations",
		map[string]any{"name": "x", "plugin": "webhook", "config": map[string]any{"url": "https://x"}}); code != 404 {
		t.Errorf("unknown project: %d %s", code, body)
	}

	// A global destination from config.yaml is listed and testable, not editable.
	global := &core.Destination{Name: "from-config", Plugin: "webhook", Config: map[string]any{"url": "https://g.example.com"}}
	if err := s.Store.SyncConfigDestinations(context.Background(), []*core.Destination{global}); err != nil {
		t.Fatal(err)
	}
	code, body = s.Admin(t, "GET", base, nil)
	var list struct{ Destinations []core.Destination }
	if err := json.Unmarshal(body, &list); code != 200 || err != nil {
		t.Fatalf("list: %d %s", code, body)
	}
	var names []string
	for _, d := range list.Destinations {
		names = append(names, d.Name+"/"+d.Source)
	}
	if got := strings.Join(names, ","); got != "ops/api,slack_webhook hooks.slack.com/api,generic/api,from-config/config" {
		t.Errorf("listed %s", got)
	}
	if code, body := s.Admin(t, "PATCH", fmt.Sprintf("%s/%d", base, global.ID), map[string]any{"name": "x"}); code != 409 {
		t.Errorf("PATCH of a config destination: %d %s, want 409", code, body)
	}
	if code, body := s.Admin(t, "DELETE", fmt.Sprintf("%s/%d", base, global.ID), nil); code != 409 {
		t.Errorf("DELETE of a config destination: %d %s, want 409", code, body)
	}
	if code, body := s.Admin(t, "POST", fmt.Sprintf("%s/%d/test", base, global.ID), nil); code != 200 {
		t.Errorf("test of a config destination: %d %s", code, body)
	}

	// PATCH validates the result through the plugin and keeps what is not given.
	opsURL := fmt.Sprintf("%s/%d", base, ops.ID)
	if code, body := s.Admin(t, "PATCH", opsURL, map[string]any{"config": map[string]any{"url": "http://plain"}}); code != 400 || errorBody(t, body).Field != "config.url" {
		t.Errorf("PATCH with a rejected config: %d %s", code, body)
	}
	code, body = s.Admin(t, "PATCH", opsURL, map[string]any{"name": "ops-renamed", "config": map[string]any{"url": "https://hooks.example.com/b", "fail": true}})
	var up core.Destination
	if json.Unmarshal(body, &up); code != 200 || up.Name != "ops-renamed" || up.Config["url"] != "https://hooks.example.com/b" || up.When != ops.When {
		t.Fatalf("PATCH: %d %s", code, body)
	}
	code, body = s.Admin(t, "GET", opsURL, nil)
	if json.Unmarshal(body, &up); code != 200 || up.Name != "ops-renamed" {
		t.Errorf("GET after PATCH: %d %s", code, body)
	}
	if code, body := s.Admin(t, "PATCH", opsURL, map[string]any{"name": "generic"}); code != 409 {
		t.Errorf("PATCH to a taken name: %d %s", code, body)
	}

	// The test route reports the plugin's error.
	code, body = s.Admin(t, "POST", opsURL+"/test", nil)
	if code != 400 || !strings.Contains(errorBody(t, body).Message, "404 Not Found") {
		t.Errorf("failing test notification: %d %s", code, body)
	}
	code, body = s.Admin(t, "POST", fmt.Sprintf("%s/%d/test", base, slack.ID), nil)
	if code != 200 || !strings.Contains(string(body), `"delivered":true`) {
		t.Errorf("test notification: %d %s", code, body)
	}
	notifier.mu.Lock()
	if n := len(notifier.tests); n != 3 {
		t.Errorf("SendTest called %d times, want 3", n)
	}
	notifier.mu.Unlock()

	// Another project cannot reach this project's destination.
	other := &core.Project{Name: "other"}
	if err := s.Store.CreateProject(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if code, _ := s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations/%d", other.ID, ops.ID), nil); code != 404 {
		t.Errorf("another project's destination: %d, want 404", code)
	}
	if code, _ := s.Admin(t, "DELETE", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations/%d", other.ID, ops.ID), nil); code != 404 {
		t.Errorf("DELETE through another project: %d, want 404", code)
	}

	if code, body := s.Admin(t, "DELETE", opsURL, nil); code != 204 {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if code, _ := s.Admin(t, "DELETE", opsURL, nil); code != 404 {
		t.Errorf("DELETE again: %d, want 404", code)
	}
	if code, _ := s.Admin(t, "GET", opsURL, nil); code != 404 {
		t.Errorf("GET after DELETE: %d, want 404", code)
	}
}
