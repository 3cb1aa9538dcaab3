package notify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// markerScript writes an executable shell script at path that creates
// marker when it runs.
func markerScript(tb testing.TB, path, marker string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o755); err != nil {
		tb.Fatal(err)
	}
}

// TestAPIDestinationMayOnlyNameAPlugin checks that a destination that came
// through the admin API (Source "api") can only name a plugin of the plugin
// folder: paths, relative names and malformed names are refused with one
// message that does not tell whether a file exists, and nothing runs.
func TestAPIDestinationMayOnlyNameAPlugin(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "executed")
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	markerScript(t, filepath.Join(dir, "x"), marker)
	markerScript(t, filepath.Join(work, "x"), marker)
	markerScript(t, filepath.Join(dir, PluginPrefix+"Upper"), marker)
	markerScript(t, filepath.Join(dir, PluginPrefix+"under_score"), marker)
	if err := os.WriteFile(filepath.Join(dir, PluginPrefix+"noexec"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	h := mustHost(t, Config{PluginDir: dir})
	ctx := context.Background()

	var first string
	for _, plugin := range []string{"/bin/sh", "../x", "./x", "x/..", filepath.Join(dir, "x"), "Upper", "under_score",
		"missing", "noexec", "", "-", "a b", "web\x00hook"} {
		d := &core.Destination{Name: "d", Plugin: plugin, Config: map[string]any{}, Source: "api"}
		err := h.ValidateDestination(ctx, d)
		var ce *core.Error
		if !asCore(err, &ce) || ce.Code != core.EINVALID || ce.Field != "plugin" {
			t.Errorf("ValidateDestination(plugin %q) = %v, want EINVALID naming plugin", plugin, err)
			continue
		}
		if first == "" {
			first = ce.Message
		} else if ce.Message != first {
			t.Errorf("plugin %q: message %q differs from %q: it tells files apart", plugin, ce.Message, first)
		}
		if strings.Contains(ce.Message, dir) || strings.Contains(ce.Message, "/bin") {
			t.Errorf("plugin %q: message %q reveals a path", plugin, ce.Message)
		}
		if err := h.Notify(ctx, d, TestPayload(&core.Project{ID: 1, Name: "p"}, time.Now())); err == nil {
			t.Errorf("Notify through plugin %q succeeded", plugin)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a refused plugin was executed")
	}

	// The operator's config.yaml may still name a path.
	cfg := &core.Destination{Name: "d", Plugin: filepath.Join(dir, "x"), Config: map[string]any{}, Source: "config"}
	if _, err := h.resolveFor(cfg); err != nil {
		t.Errorf("config destination with a path: %v", err)
	}
}

// TestAPIDestinationNamesARealPlugin checks that a well-formed name still
// reaches the plugin folder's binary.
func TestAPIDestinationNamesARealPlugin(t *testing.T) {
	h := mustHost(t, Config{})
	d := &core.Destination{Name: "d", Plugin: "webhook", Config: map[string]any{"url": "https://hooks.example.com/x"}, Source: "api"}
	if err := h.ValidateDestination(context.Background(), d); err != nil {
		t.Fatalf("ValidateDestination(webhook) = %v", err)
	}
}

func TestConfigValidatesAllowPrivateHosts(t *testing.T) {
	if err := (Config{AllowPrivateHosts: []string{"127.0.0.1:25", "10.0.0.0/8", "::1"}}).Validate(); err != nil {
		t.Errorf("valid allow-list: %v", err)
	}
	err := (Config{AllowPrivateHosts: []string{"relay.internal"}}).Validate()
	if err == nil || !strings.Contains(err.Error(), "allow_private_hosts") {
		t.Errorf("Validate(host name in allow_private_hosts) = %v, want an error naming notify.allow_private_hosts", err)
	}
}

// TestPluginConfigAllowList checks that a destination can never supply the
// allow-list itself, and that the key reaches plugins only when the
// operator set one.
func TestPluginConfigAllowList(t *testing.T) {
	own := map[string]any{"host": "127.0.0.1", "allow_private_hosts": []any{"127.0.0.1"}}
	if c := NewHost(Config{}, nil).pluginConfig(own); c["allow_private_hosts"] != nil {
		t.Errorf("a destination's own allow-list reached the plugin: %v", c)
	}
	c := NewHost(Config{AllowPrivateHosts: []string{"10.0.0.5:25"}}, nil).pluginConfig(own)
	if got, _ := c["allow_private_hosts"].([]any); len(got) != 1 || got[0] != "10.0.0.5:25" {
		t.Errorf("allow_private_hosts = %v, want the operator's list", c["allow_private_hosts"])
	}
}
