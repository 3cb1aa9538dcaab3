package itest

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAPICannotRunAPath drives the real binary on both databases: a
// destination created through the admin API naming a path (absolute,
// relative, ./) or a malformed name is answered 400 naming plugin, with the
// same message as a plugin that does not exist, and no such file runs.
func TestAPICannotRunAPath(t *testing.T) {
	t.Parallel()
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

// TestAPIEmailCannotReachPrivate drives the real binary and the real email
// plugin on both databases: with allow_private_networks on (as every itest
// server runs) but no allow_private_hosts, an API caller cannot point an
// email destination at a loopback port, open or closed, and both answers
// are the same, so they cannot scan ports; the open port sees no
// connection.
func TestAPIEmailCannotReachPrivate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("smtp-scan")
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var conns atomic.Int64
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				conns.Add(1)
				c.Close()
			}
		}()
		open := l.Addr().(*net.TCPAddr).Port
		closed := freePort(t)
		var answers []string
		for _, port := range []int{open, closed} {
			var raw json.RawMessage
			code := s.Do("POST", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", p.ID), map[string]any{
				"name": fmt.Sprintf("mail-%d", port), "plugin": "email",
				"config": map[string]any{"host": "127.0.0.1", "port": port, "tls": "none", "from": "a@example.com", "to": "b@example.com",
					"allow_private_hosts": []string{"127.0.0.1"}},
			}, &raw)
			if code != 400 {
				t.Errorf("email destination to 127.0.0.1:%d: status %d %s, want 400", port, code, raw)
			}
			answers = append(answers, strings.ReplaceAll(string(raw), strconv.Itoa(port), "PORT"))
		}
		if answers[0] != answers[1] {
			t.Errorf("open and closed ports answer differently:\n%s\n%s", answers[0], answers[1])
		}
		if !strings.Contains(answers[0], `"config.host"`) {
			t.Errorf("answer %s does not name config.host", answers[0])
		}
		if n := conns.Load(); n != 0 {
			t.Errorf("the email plugin connected %d times to the loopback port", n)
		}
	})
}
