package http_test

import (
	"encoding/json"
	"fmt"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// items_by_type counts the item types of the Sentry protocol by name and
// every other name under "other", so a client inventing names cannot grow
// the map (or the server's memory).
func TestItemsByTypeIsBounded(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	items := []string{`{"type":"session"}`, `{}`, `{"type":"client_report"}`, `{}`}
	for i := 0; i < 500; i++ {
		items = append(items, fmt.Sprintf(`{"type":"invented-%d"}`, i), `{}`)
	}
	body := envelope(s.Key, s.Project.ID, items...)
	if code, b := s.Do(t, s.envelopeReq(body, s.auth())); code != 200 {
		t.Fatalf("status %d %s, want 200", code, b)
	}
	var st struct {
		Ingest struct {
			Other       int64            `json:"other_items"`
			ItemsByType map[string]int64 `json:"items_by_type"`
		} `json:"ingest"`
	}
	_, b := s.Admin(t, "GET", "/api/admin/stats", nil)
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	got := st.Ingest.ItemsByType
	if got["session"] != 1 || got["client_report"] != 1 || got["other"] != 500 {
		t.Errorf("items_by_type: session %d, client_report %d, other %d; want 1, 1, 500", got["session"], got["client_report"], got["other"])
	}
	if len(got) > 3 {
		t.Errorf("items_by_type has %d names, want the invented ones folded into other", len(got))
	}
	if st.Ingest.Other != 502 {
		t.Errorf("other_items %d, want 502", st.Ingest.Other)
	}
}
