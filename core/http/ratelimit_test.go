package http_test

import (
	"fmt"
	"strings"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// TestRateLimitNamesItsScope: X-Sentry-Rate-Limits names the quota that
// refused the event, with Relay's scope names: "key" for a key's (or the
// server's per-key default), "project" for the project's, both when both
// are exhausted; Retry-After is the longest wait.
func TestRateLimitNamesItsScope(t *testing.T) {
	for _, c := range []struct {
		name                 string
		serverKeyRate        int
		keyRate, projectRate int
		want                 []string
	}{
		{"server default per key", 2, 0, 0, []string{"key"}},
		{"key", 0, 2, 0, []string{"key"}},
		{"project", 0, 0, 2, []string{"project"}},
		{"both", 0, 2, 2, []string{"key", "project"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := MustOpenServer(t, phttp.Options{RateLimit: c.serverKeyRate}, pipeline.Options{})
			if c.keyRate > 0 {
				if code, b := s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d/keys/%s", s.Project.ID, s.Key), map[string]any{"rate_limit": c.keyRate}); code != 200 {
					t.Fatalf("key rate limit: %d %s", code, b)
				}
			}
			if c.projectRate > 0 {
				if code, b := s.Admin(t, "PATCH", fmt.Sprintf("/api/admin/projects/%d", s.Project.ID), map[string]any{"rate_limit": c.projectRate}); code != 200 {
					t.Fatalf("project rate limit: %d %s", code, b)
				}
			}
			var header, retry string
			for i := 0; i < 3; i++ {
				payload := strings.Replace(errorPayload, eventID, fmt.Sprintf("%032x", i+1), 1)
				req := s.envelopeReq([]byte(fmt.Sprintf(`{"event_id":"%032x"}`+"\n", i+1)+eventItem(payload)+"\n"), s.auth())
				resp, err := s.App().Test(req)
				if err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int{true: 429, false: 200}[i == 2]; resp.StatusCode != want {
					t.Fatalf("event %d: status %d, want %d", i+1, resp.StatusCode, want)
				}
				header, retry = resp.Header.Get("X-Sentry-Rate-Limits"), resp.Header.Get("Retry-After")
			}
			var scopes []string
			longest := 0
			for _, limit := range strings.Split(header, ",") {
				parts := strings.Split(strings.TrimSpace(limit), ":")
				if len(parts) < 3 || parts[1] != "" {
					t.Fatalf("X-Sentry-Rate-Limits %q: want retry_after::scope entries (every category)", header)
				}
				var sec int
				fmt.Sscan(parts[0], &sec)
				longest = max(longest, sec)
				scopes = append(scopes, parts[2])
			}
			if fmt.Sprint(scopes) != fmt.Sprint(c.want) {
				t.Errorf("X-Sentry-Rate-Limits %q names scopes %v, want %v", header, scopes, c.want)
			}
			if retry != fmt.Sprint(longest) || longest < 1 {
				t.Errorf("Retry-After %q, want the longest limit %d", retry, longest)
			}
		})
	}
}
