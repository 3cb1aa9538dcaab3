package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// TestProjectGroupingConfig: a new project gets the server's default
// grouping configuration unless it names one; changing it through the API
// starts a transition of the configured length; an unknown one is a 400
// naming the field.
func TestProjectGroupingConfig(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{DefaultGroupingConfig: core.GroupingConfig2026, GroupingTransition: 72 * time.Hour}, pipeline.Options{})
	decode := func(b []byte) core.Project {
		t.Helper()
		var p core.Project
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return p
	}
	code, b := s.Admin(t, "POST", "/api/admin/projects", map[string]any{"name": "new"})
	if p := decode(b); code != 201 || p.GroupingConfig != core.GroupingConfig2026 {
		t.Fatalf("create: %d %s, want grouping_config %s", code, b, core.GroupingConfig2026)
	}
	// "" is the default as it is now: stored as such, no change here.
	created := decode(b)
	code, b = s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d", created.ID), map[string]any{"grouping_config": ""})
	if p := decode(b); code != 200 || p.GroupingConfig != core.GroupingConfig2026 || p.PreviousGroupingConfig != "" {
		t.Errorf("PATCH grouping_config \"\": %d %s, want %s kept without a transition", code, b, core.GroupingConfig2026)
	}
	code, b = s.Admin(t, "POST", "/api/admin/projects", map[string]any{"name": "migrated", "grouping_config": core.GroupingConfig2023})
	p := decode(b)
	if code != 201 || p.GroupingConfig != core.GroupingConfig2023 {
		t.Fatalf("create with config: %d %s", code, b)
	}
	before := time.Now()
	code, b = s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]any{"grouping_config": core.GroupingConfig2026})
	up := decode(b)
	if code != 200 || up.GroupingConfig != core.GroupingConfig2026 || up.PreviousGroupingConfig != core.GroupingConfig2023 || up.GroupingTransitionUntil == nil {
		t.Fatalf("update: %d %s", code, b)
	}
	if d := up.GroupingTransitionUntil.Sub(before); d < 71*time.Hour || d > 73*time.Hour {
		t.Errorf("transition of %v, want 72h", d)
	}
	for _, body := range []map[string]any{
		{"name": "bad", "grouping_config": "legacy:2019-03-12"},
	} {
		if code, b := s.Admin(t, "POST", "/api/admin/projects", body); code != 400 || !json.Valid(b) || !contains(b, "grouping_config") {
			t.Errorf("create %v: %d %s, want 400 naming grouping_config", body, code, b)
		}
	}
	if code, b := s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]any{"grouping_config": "nope"}); code != 400 || !contains(b, "grouping_config") {
		t.Errorf("update with an unknown config: %d %s", code, b)
	}
}

func contains(b []byte, s string) bool {
	return len(b) > 0 && json.Valid(b) && stringIn(string(b), s)
}

func stringIn(h, n string) bool {
	for i := 0; i+len(n) <= len(h); i++ {
		if h[i:i+len(n)] == n {
			return true
		}
	}
	return false
}

// TestIngestUsesProjectGroupingConfig: ingestion hands the pipeline the
// project's grouping configuration from its cached key lookup, and a
// change through the admin API applies to the next event (this node drops
// the project's cached keys).
func TestIngestUsesProjectGroupingConfig(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{GroupingTransition: time.Hour}, pipeline.Options{})
	old := core.GroupingConfig2023
	if _, err := s.Store.UpdateProject(context.Background(), s.Project.ID, core.ProjectUpdate{GroupingConfig: &old}); err != nil {
		t.Fatal(err)
	}
	send := func(id string) core.Grouping {
		t.Helper()
		body := fmt.Sprintf(`{"event_id":%q,"level":"error","exception":[{"type":"KeyError","value":"x"}]}`, id)
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/store/", s.Project.ID), strings.NewReader(body))
		req.Header.Set("X-Sentry-Auth", s.auth())
		if code, b := s.Do(t, req); code != 200 {
			t.Fatalf("store: %d %s", code, b)
		}
		s.Drain(t)
		ev, err := s.Store.FindEventByID(context.Background(), s.Project.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Grouping
	}
	if g := send("c0000000000000000000000000000001"); g.Config != core.GroupingConfig2023 {
		t.Errorf("before the change: grouped with %q, want %s", g.Config, core.GroupingConfig2023)
	}
	if code, b := s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d", s.Project.ID), map[string]any{"grouping_config": core.GroupingConfig2026}); code != 200 {
		t.Fatalf("PATCH: %d %s", code, b)
	}
	if g := send("c0000000000000000000000000000002"); g.Config != core.GroupingConfig2026 {
		t.Errorf("right after the change: grouped with %q, want %s", g.Config, core.GroupingConfig2026)
	}
	// The transition kept both events in one issue, which lists both
	// hashes with their configurations.
	ev, err := s.Store.FindEventByID(context.Background(), s.Project.ID, "c0000000000000000000000000000002")
	if err != nil {
		t.Fatal(err)
	}
	var fps struct{ Fingerprints []core.Fingerprint }
	code, b := s.Admin(t, "GET", fmt.Sprintf("/api/admin/issues/%d/fingerprints", ev.IssueID), nil)
	if err := json.Unmarshal(b, &fps); code != 200 || err != nil || len(fps.Fingerprints) != 2 ||
		fps.Fingerprints[0].Config != core.GroupingConfig2023 || fps.Fingerprints[1].Config != core.GroupingConfig2026 {
		t.Errorf("fingerprints: %d %s, want the 2023 hash and its 2026 alias", code, b)
	}
	if code, _ := s.Admin(t, "GET", "/api/admin/issues/999999/fingerprints", nil); code != 404 {
		t.Errorf("fingerprints of an unknown issue: %d, want 404", code)
	}
	// Ending the transition through the API drops the old configuration;
	// there is then no transition left to end.
	path := fmt.Sprintf("/api/admin/projects/%d", s.Project.ID)
	code, b = s.Admin(t, "PATCH", path, map[string]any{"grouping_transition_until": time.Now().UTC().Format(time.RFC3339)})
	var p core.Project
	if err := json.Unmarshal(b, &p); code != 200 || err != nil || p.PreviousGroupingConfig != "" || p.GroupingTransitionUntil != nil {
		t.Errorf("ending the transition: %d %s", code, b)
	}
	if code, b := s.Admin(t, "PATCH", path, map[string]any{"grouping_transition_until": time.Now().UTC().Format(time.RFC3339)}); code != 400 || !contains(b, "grouping_transition_until") {
		t.Errorf("ending a transition that is not in progress: %d %s, want 400 naming the field", code, b)
	}
}
