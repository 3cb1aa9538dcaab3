package http_test

import (
	"fmt"
	"testing"
)

// TestDestinationPluginMustBeAName checks that the admin API refuses, with
// 400 and one message, any plugin that is not a bare name ([a-z0-9-]+),
// before the plugin host sees it: a caller can never name a path to run.
func TestDestinationPluginMustBeAName(t *testing.T) {
	s, notifier := mustNotifyServer(t)
	base := fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", s.Project.ID)
	var first string
	for _, plugin := range []string{"/bin/sh", "../x", "./x", "x/y", `x\y`, "Webhook", "web_hook", "web hook", ".", ".."} {
		code, body := s.Admin(t, "POST", base, map[string]any{
			"name": "d", "plugin": plugin, "config": map[string]any{"url": "https://hooks.example.com/a"},
		})
		if code != 400 {
			t.Errorf("plugin %q: status %d %s, want 400", plugin, code, body)
			continue
		}
		e := errorBody(t, body)
		if e.Field != "plugin" {
			t.Errorf("plugin %q: error names %q, want plugin", plugin, e.Field)
		}
		if first == "" {
			first = e.Message
		} else if e.Message != first {
			t.Errorf("plugin %q: message %q differs from %q", plugin, e.Message, first)
		}
	}
	if n := notifier.validated(); n != 0 {
		t.Errorf("the plugin host was asked about %d refused plugins", n)
	}
	if code, body := s.Admin(t, "POST", base, map[string]any{
		"name": "ok", "plugin": "webhook", "config": map[string]any{"url": "https://hooks.example.com/a"},
	}); code != 201 {
		t.Errorf("plugin webhook: status %d %s, want 201", code, body)
	}
}
