package http_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// TestAdminAPIRecordsActivity: a resolve and a merge through the admin
// API appear in the issue's activity (what the web UI lists), with no
// actor.
func TestAdminAPIRecordsActivity(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	for _, typ := range []string{"KeyError", "ValueError"} {
		if code, b := s.storeReq(t, fmt.Sprintf(`{"exception":{"values":[{"type":%q,"value":"x"}]}}`, typ)); code != 200 {
			t.Fatalf("store: %d %s", code, b)
		}
	}
	s.Drain(t)
	issues, _, err := s.Store.FindIssues(context.Background(), core.IssueFilter{ProjectID: s.Project.ID})
	if err != nil || len(issues) != 2 {
		t.Fatalf("issues %v, %v", issues, err)
	}
	a, b := issues[0].ID, issues[1].ID
	if code, body := s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/issues/%d", a), map[string]any{"status": "resolved"}); code != 200 {
		t.Fatalf("resolve: %d %s", code, body)
	}
	if code, body := s.Admin(t, "POST", fmt.Sprintf("/api/admin/issues/%d/merge", a), map[string]any{"issue_ids": []int64{b}}); code != 200 {
		t.Fatalf("merge: %d %s", code, body)
	}
	acts, err := s.Store.FindActivity(context.Background(), a, 10)
	if err != nil || len(acts) != 2 || acts[0].Action != "resolve" || acts[1].Action != "merge" || acts[0].Actor != "" {
		t.Fatalf("activity %+v, %v; want resolve then merge, no actor", acts, err)
	}
}
