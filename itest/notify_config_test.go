package itest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/adminclient"
)

// TestNotifyConfigDestinations checks notify.destinations of config.yaml:
// a destination its plugin refuses stops start-up naming it; valid ones
// are stored for every project or the listed ones; ones removed from the
// file are removed at the next start.
func TestNotifyConfigDestinations(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		hook := NewReceiver(t, "ok")
		s := NewServer(t, db, `
notify:
  destinations:
    - name: broken
      plugin: webhook
      config: {url: "ftp://hooks.example.com"}
`)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, code := s.RunCLI(ctx, "serve")
		if code != 3 || !strings.Contains(out, "notify.destinations[0] (broken): config.url") {
			t.Errorf("start-up with a destination its plugin refuses: exit %d, want 3 naming notify.destinations[0] (broken): config.url:\n%s", code, out)
		}

		writeConfig(t, s, fmt.Sprintf(`
notify:
  destinations:
    - name: everyone
      plugin: webhook
      config: {url: %q}
`, hook.URL))
		s.Start()
		p := s.CreateProject("shop")
		if got := destinationNames(t, s, p.ID); got != "everyone(config,0)" {
			t.Errorf("destinations of a new project: %s, want the global one from config.yaml", got)
		}

		writeConfig(t, s, fmt.Sprintf(`
notify:
  destinations:
    - name: shop-only
      plugin: webhook
      config: {url: %q}
      projects: [shop, no-such-project]
`, hook.URL))
		s.Restart()
		want := fmt.Sprintf("shop-only(config,%d)", p.ID)
		if got := destinationNames(t, s, p.ID); got != want {
			t.Errorf("after changing config.yaml: %s, want %s", got, want)
		}
		if !strings.Contains(s.Logs(), "no-such-project") {
			t.Errorf("an unknown project in projects was not reported:\n%s", s.Logs())
		}
		var list adminclient.DestinationList
		s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", p.ID), nil, &list)
		if len(list.Destinations) == 1 {
			path := fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations/%d", p.ID, list.Destinations[0].ID)
			if code := s.Do("DELETE", path, nil, nil); code != 409 {
				t.Errorf("DELETE of a config destination: %d, want 409", code)
			}
			if code := s.Do("POST", path+"/test", nil, nil); code != 200 {
				t.Errorf("test of a config destination: %d, want 200", code)
			}
			if got := len(hook.Delivered(t)); got != 1 {
				t.Errorf("the receiver got %d test notifications, want 1", got)
			}
		}
	})
}

func writeConfig(t *testing.T, s *Server, yaml string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.Dir, "config.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// destinationNames lists a project's destinations as name(source,project).
func destinationNames(t *testing.T, s *Server, projectID int64) string {
	t.Helper()
	var out adminclient.DestinationList
	if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", projectID), nil, &out); code != 200 {
		t.Fatalf("list destinations: status %d", code)
	}
	var names []string
	for _, d := range out.Destinations {
		names = append(names, fmt.Sprintf("%s(%s,%d)", d.Name, d.Source, d.ProjectID))
	}
	return strings.Join(names, " ")
}
