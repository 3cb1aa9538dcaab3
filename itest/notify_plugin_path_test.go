package itest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestAPICannotRunAPath drives the real binary on both databases: a
// destination created through the admin API naming a path (absolute,
// relative, ./) or a malformed name is answered 400 naming plugin, with the
// same message as a plugin that does not exist, and no such file runs.
func TestAPICannotRunAPath(t *testing.T) {
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("paths")
		dir := t.TempDir()
		marker := filepath.Join(dir, "executed")
		script := []byte("#!/bin/sh\ntouch '" + marker + "'\n")
		for _, f := range []string{filepath.Join(dir, "x"), filepath.Join(dir, "periscope-plugin-Evil")} {
			if err := os.WriteFile(f, script, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		rel, err := filepath.Rel(repoRoot(), filepath.Join(dir, "x"))
		if err != nil {
			t.Fatal(err)
		}
		var first string
		for _, plugin := range []string{"/bin/sh", filepath.Join(dir, "x"), "../x", "./x", rel, "Evil", "web_hook", "no-such-plugin"} {
			var raw json.RawMessage
			code := s.Do("POST", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", p.ID),
				map[string]any{"name": "d", "plugin": plugin, "config": map[string]any{"url": "https://hooks.example.com/x"}}, &raw)
			var e struct {
				Error struct{ Field, Message string }
			}
			_ = json.Unmarshal(raw, &e)
			if code != 400 || e.Error.Field != "plugin" {
				t.Errorf("plugin %q: status %d %s, want 400 naming plugin", plugin, code, raw)
				continue
			}
			if first == "" {
				first = e.Error.Message
			} else if e.Error.Message != first {
				t.Errorf("plugin %q: message %q differs from %q", plugin, e.Error.Message, first)
			}
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatal("the server executed a file an API caller named")
		}
	})
}
