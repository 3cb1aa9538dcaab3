package http_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// An unsupported Content-Encoding is 415 Unsupported Media Type, as Relay
// answers it, on every ingestion endpoint; the server goes on storing.
func TestUnsupportedContentEncodingIs415(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	body := envelope(s.Key, s.Project.ID, eventItem(errorPayload))
	for _, path := range []string{"envelope", "store", "minidump", "security"} {
		for _, enc := range []string{"compress", "xz", "gzip, lzma"} {
			t.Run(path+"/"+enc, func(t *testing.T) {
				req := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/%s/", s.Project.ID, path), bytes.NewReader(body))
				req.Header.Set("X-Sentry-Auth", s.auth())
				req.Header.Set("Content-Encoding", enc)
				if path == "security" {
					req.Header.Set("Content-Type", "application/csp-report")
				}
				code, b := s.Do(t, req)
				if code != 415 {
					t.Fatalf("status %d %s, want 415", code, b)
				}
				if d := detail(b); !strings.HasPrefix(d, "unsupported content encoding") || !strings.Contains(d, strings.TrimSpace(enc[strings.LastIndex(enc, ",")+1:])) {
					t.Errorf("detail %q: want it to name the unsupported coding", d)
				}
			})
		}
	}
	if code, b := s.Do(t, s.envelopeReq(body, s.auth())); code != 200 {
		t.Fatalf("after the refusals: status %d %s, want 200", code, b)
	}
}
