package http_test

import (
	"encoding/json"
	"fmt"
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
