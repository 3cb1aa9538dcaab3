package http_test

import (
	"encoding/json"
	"fmt"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// TestProjectEffectiveRetention: retention_days 0 means "the server's
// default"; every project answer says beside it how many days apply.
func TestProjectEffectiveRetention(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{DefaultRetentionDays: 90}, pipeline.Options{})
	type project struct {
		ID            int64 `json:"id"`
		RetentionDays *int  `json:"retention_days"`
		Effective     *int  `json:"effective_retention_days"`
	}
	check := func(what string, code int, body []byte, wantStatus, days, effective int) project {
		t.Helper()
		var p project
		if code != wantStatus || json.Unmarshal(body, &p) != nil {
			t.Fatalf("%s: status %d %s", what, code, body)
		}
		if p.RetentionDays == nil || *p.RetentionDays != days || p.Effective == nil || *p.Effective != effective {
			t.Fatalf("%s: %s, want retention_days %d, effective_retention_days %d", what, body, days, effective)
		}
		return p
	}
	code, b := s.Admin(t, "POST", "/api/admin/projects", map[string]any{"name": "defaulted"})
	p := check("create", code, b, 201, 0, 90)
	code, b = s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d", p.ID), nil)
	check("get", code, b, 200, 0, 90)
	code, b = s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d", p.ID), map[string]any{"retention_days": 7})
	check("update", code, b, 200, 7, 7)
	code, b = s.Admin(t, "GET", "/api/admin/projects", nil)
	var list struct {
		Projects []json.RawMessage `json:"projects"`
	}
	if json.Unmarshal(b, &list) != nil || len(list.Projects) != 2 {
		t.Fatalf("list: %d %s", code, b)
	}
	check("list (test project)", 200, list.Projects[0], 200, 0, 90)
	check("list (updated)", 200, list.Projects[1], 200, 7, 7)
}
