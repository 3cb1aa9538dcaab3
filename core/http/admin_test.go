package http_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/adminclient"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// storeReq is a /store/ request with the test key.
func (s *testServer) storeReq(tb testing.TB, payload string) (int, []byte) {
	tb.Helper()
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/store/", s.Project.ID), strings.NewReader(payload))
	req.Header.Set("X-Sentry-Auth", s.auth())
	return s.Do(tb, req)
}

// TestRateLimitedEventsAreNotStored: a 429 means the SDK must send again,
// so the refused event must not be stored as well.
func TestRateLimitedEventsAreNotStored(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	if code, b := s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d/keys/%s", s.Project.ID, s.Key), map[string]any{"rate_limit": 2}); code != 200 {
		t.Fatalf("PATCH key: %d %s", code, b)
	}
	var codes []int
	for i := range 4 {
		code, _ := s.storeReq(t, fmt.Sprintf(`{"event_id":"%032x","message":"limited","level":"error"}`, i+1))
		codes = append(codes, code)
	}
	if fmt.Sprint(codes) != "[200 200 429 429]" {
		t.Fatalf("statuses %v, want two accepted then 429s", codes)
	}
	s.Drain(t)
	code, b := s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/issues", s.Project.ID), nil)
	var out adminclient.IssuePage
	json.Unmarshal(b, &out)
	if code != 200 || len(out.Issues) != 1 || out.Issues[0].Count != 2 {
		t.Fatalf("issues after 2 accepted and 2 refused events: %s, want one issue of 2 events", b)
	}
}

// TestProjectStatsCountIngestion: the stats route reports what ingestion
// accepted, refused by reason and rate limited, and what was stored, per
// project, at once (the counters are flushed before it answers).
func TestProjectStatsCountIngestion(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{MaxEventSize: 2000}, pipeline.Options{})
	s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d/keys/%s", s.Project.ID, s.Key), map[string]any{"rate_limit": 3})
	for i := range 4 {
		s.storeReq(t, fmt.Sprintf(`{"event_id":"%032x","message":"counted","level":"error"}`, i+1))
	}
	s.storeReq(t, "")                                                                                          // invalid: empty
	s.storeReq(t, `{"message":"`+strings.Repeat("x", 3000)+`"}`)                                               // too large
	s.Do(t, httptest.NewRequest("POST", fmt.Sprintf("/api/%d/store/", s.Project.ID), strings.NewReader("{}"))) // no key
	s.Drain(t)
	code, b := s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/stats", s.Project.ID), nil)
	var st adminclient.ProjectStats
	if err := json.Unmarshal(b, &st); err != nil || code != 200 {
		t.Fatalf("stats: %d %s", code, b)
	}
	tot := st.Total
	if tot.Accepted != 3 || tot.Stored != 3 || tot.RateLimited != 1 || tot.Rejected != 3 ||
		tot.RejectedBy["invalid"] != 1 || tot.RejectedBy["too_large"] != 1 || tot.RejectedBy["unauthorized"] != 1 || len(st.Hours) != 1 {
		t.Errorf("stats %s, want 3 accepted and stored, 1 rate limited, rejected: 1 invalid, 1 too_large, 1 unauthorized", b)
	}
	// Another request adds to the same hour, once.
	s.storeReq(t, `{"event_id":"00000000000000000000000000000042","message":"later","level":"error"}`)
	_, b = s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/stats", s.Project.ID), nil)
	json.Unmarshal(b, &st)
	if st.Total.RateLimited != 2 || st.Total.Accepted != 3 {
		t.Errorf("after one more rate-limited event: %s", b)
	}
}
