package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/adminclient"
)

const (
	config2023 = "newstyle:2023-01-11"
	config2026 = "newstyle:2026-01-20"
)

// pythonEvent reads a Python SDK event from testdata/grouping, gives it a
// fresh event id (seq) and the current time, and applies the
// replacements (old, new, ...) to its JSON text.
func pythonEvent(t *testing.T, name string, seq int, replace ...string) (string, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "grouping", name))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(text, replace[i]) {
			t.Fatalf("%s does not contain %q", name, replace[i])
		}
		text = strings.ReplaceAll(text, replace[i], replace[i+1])
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(text), &ev); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("%032x", 0xc0f16000+seq)
	ev["event_id"], ev["timestamp"] = id, time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(ev)
	return id, string(b)
}

// TestGroupingConfigTransition: a project on newstyle:2023-01-11 with
// stored issues (Python exceptions from the SDK, whose hashes change with
// the exception's child order, and a log message whose hash does not)
// switches to newstyle:2026-01-20 through the admin API. During the
// transition every new event of an old issue lands in it: no new issue,
// no alert, the 2026 hash recorded beside the issue's 2023 one. Once the
// transition is ended through the API, an exception first seen under
// 2023 but not during the transition starts an issue of its 2026 hash
// only, while the issues that got their alias keep their events.
func TestGroupingConfigTransition(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "grouping:\n  default_config: "+config2023+"\n")
		var p Project
		if code := s.Do("POST", "/api/admin/projects", map[string]string{"name": "py"}, &p); code != 201 {
			t.Fatalf("create project: %d", code)
		}
		seq := 0
		kinds := []struct {
			name    string
			file    string
			replace []string
		}{
			{"zero-division", "python-zero-division.json", nil},
			{"http-error", "python-http-error.json", nil},
			{"logging", "python-logging.json", nil},
			// Another view raising the same error: another issue.
			{"zero-division-post", "python-zero-division.json", []string{`"function": "get"`, `"function": "post"`}},
		}
		send := func(i int) *StoredEvent {
			t.Helper()
			seq++
			id, body := pythonEvent(t, kinds[i].file, seq, kinds[i].replace...)
			if code := postStore(t, s, &p, body); code != 200 {
				t.Fatalf("%s: store answered %d", kinds[i].name, code)
			}
			return s.WaitEvent(t, p.ID, id)
		}
		type decision = adminclient.EventGrouping
		grouping := func(ev *StoredEvent) decision {
			t.Helper()
			var g decision
			if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/events/%s/grouping", p.ID, ev.EventID), nil, &g); code != 200 {
				t.Fatalf("grouping of %s: %d", ev.EventID, code)
			}
			return g
		}
		// fingerprints returns the issue's "hash config" pairs, oldest first.
		fingerprints := func(issue int64) []string {
			t.Helper()
			var out adminclient.FingerprintList
			if code := s.Do("GET", fmt.Sprintf("/api/admin/issues/%d/fingerprints", issue), nil, &out); code != 200 {
				t.Fatalf("fingerprints of issue %d: %d", issue, code)
			}
			var fps []string
			for _, f := range out.Fingerprints {
				fps = append(fps, f.Hash+" "+f.Config)
			}
			return fps
		}

		// 1. On 2023: four issues, four new-issue alerts.
		before := make([]*StoredEvent, len(kinds))
		old := make([]decision, len(kinds))
		for i := range kinds {
			before[i] = send(i)
			if old[i] = grouping(before[i]); old[i].Config != config2023 {
				t.Fatalf("%s grouped with %q, want %s", kinds[i].name, old[i].Config, config2023)
			}
		}
		if n := len(s.Issues(t, p.ID)); n != 4 {
			t.Fatalf("%d issues on 2023, want 4", n)
		}
		alerts := len(s.Alerts(t, p.ID, ""))
		if alerts != 4 {
			t.Fatalf("%d alerts, want 4", alerts)
		}

		// The preview: the exceptions change hash, nothing splits.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, code := s.RunCLI(ctx, "rules", "diff", "--grouping-config", config2026, "--project", fmt.Sprint(p.ID))
		if code != 0 || !strings.Contains(out, "4 events replayed, 3 would change hash") || !strings.Contains(out, "0 issues would split") {
			t.Errorf("rules diff --grouping-config: exit %d\n%s", code, out)
		}

		// 2. Switch to 2026: a transition of grouping.transition (720h).
		var up Project
		if code := s.Do("PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]string{"grouping_config": config2026}, &up); code != 200 ||
			up.GroupingConfig != config2026 || up.PreviousGroupingConfig != config2023 || up.GroupingTransitionUntil == nil || time.Until(*up.GroupingTransitionUntil) < 719*time.Hour {
			t.Fatalf("switch: %d %+v", code, up)
		}
		// During the transition the first three kinds come back.
		for i := range 3 {
			ev := send(i)
			g := grouping(ev)
			if ev.IssueID != before[i].IssueID {
				t.Errorf("%s during the transition: issue %d, want its old issue %d", kinds[i].name, ev.IssueID, before[i].IssueID)
			}
			if g.Config != config2026 {
				t.Errorf("%s during the transition grouped with %q, want %s", kinds[i].name, g.Config, config2026)
			}
			fps := fingerprints(before[i].IssueID)
			if kinds[i].name == "logging" {
				if g.Hash != old[i].Hash || len(fps) != 1 {
					t.Errorf("the log message's hash changed: %s -> %s, fingerprints %+v", old[i].Hash, g.Hash, fps)
				}
				continue
			}
			if g.Hash == old[i].Hash {
				t.Errorf("%s: the 2026 hash equals the 2023 one (%s); the test proves nothing", kinds[i].name, g.Hash)
			}
			if len(fps) != 2 || fps[0] != old[i].Hash+" "+config2023 || fps[1] != g.Hash+" "+config2026 {
				t.Errorf("%s: fingerprints %+v, want its 2023 hash and the 2026 alias %s", kinds[i].name, fps, g.Hash)
			}
		}
		if n := len(s.Issues(t, p.ID)); n != 4 {
			t.Errorf("%d issues after the transition events, want still 4", n)
		}
		if n := len(s.Alerts(t, p.ID, "")); n != alerts {
			t.Errorf("%d alerts after the transition events, want still %d", n, alerts)
		}
		// The CLI's explanation names the configuration that decided.
		out, code = s.RunCLI(ctx, "event", "show", "--project", fmt.Sprint(p.ID), "--grouping", fmt.Sprintf("%032x", 0xc0f16000+5))
		if code != 0 || !strings.Contains(out, config2026) {
			t.Errorf("event show --grouping: exit %d, does not name %s:\n%s", code, config2026, out)
		}

		// 3. End the transition through the API.
		up.PreviousGroupingConfig, up.GroupingTransitionUntil = "", nil // omitted when empty
		if code := s.Do("PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID),
			map[string]string{"grouping_transition_until": time.Now().UTC().Format(time.RFC3339)}, &up); code != 200 || up.PreviousGroupingConfig != "" || up.GroupingTransitionUntil != nil {
			t.Fatalf("end the transition: %d %+v", code, up)
		}
		// The issue that got its alias keeps its events.
		if ev := send(0); ev.IssueID != before[0].IssueID {
			t.Errorf("zero-division after the transition: issue %d, want %d through the alias", ev.IssueID, before[0].IssueID)
		}
		// The exception not seen during the transition: a new issue with
		// its 2026 hash only.
		ev := send(3)
		g := grouping(ev)
		if ev.IssueID == before[3].IssueID || g.Config != config2026 {
			t.Fatalf("after the transition: issue %d (old %d), config %q; want a new issue grouped by %s", ev.IssueID, before[3].IssueID, g.Config, config2026)
		}
		if fps := fingerprints(ev.IssueID); len(fps) != 1 || fps[0] != g.Hash+" "+config2026 {
			t.Errorf("new issue after the transition: fingerprints %+v, want only %s of %s", fps, g.Hash, config2026)
		}
		if n := len(s.Alerts(t, p.ID, "")); n != alerts+1 {
			t.Errorf("%d alerts, want %d (one for the new issue)", n, alerts+1)
		}
	})
}
