package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// readFixture returns core/sentry/testdata/security/name.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "sentry", "testdata", "security", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func (s *testServer) securityReq(path, query string, body []byte, contentType string) *nethttp.Request {
	url := fmt.Sprintf("/api/%d/%s/?sentry_key=%s%s", s.Project.ID, path, s.Key, query)
	req := httptest.NewRequest("POST", url, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (test)")
	return req
}

// storedEvent is what the admin API tells of an event.
type storedEvent = core.Event

// latestEvents returns the newest event of every issue (all events of
// every issue with all set), sorted by title.
func (s *testServer) latestEvents(tb testing.TB) []storedEvent { return s.issueEvents(tb, false) }

func (s *testServer) issueEvents(tb testing.TB, all bool) []storedEvent {
	tb.Helper()
	code, b := s.Admin(tb, "GET", fmt.Sprintf("/api/admin/projects/%d/issues", s.Project.ID), nil)
	var out adminclient.IssuePage
	if err := json.Unmarshal(b, &out); err != nil || code != 200 {
		tb.Fatalf("issues: status %d %s", code, b)
	}
	var evs []storedEvent
	for _, is := range out.Issues {
		if all {
			code, b := s.Admin(tb, "GET", fmt.Sprintf("/api/admin/issues/%d/events", is.ID), nil)
			var list adminclient.EventPage
			if err := json.Unmarshal(b, &list); err != nil || code != 200 {
				tb.Fatalf("events: status %d %s", code, b)
			}
			for _, ev := range list.Events {
				evs = append(evs, *ev)
			}
			continue
		}
		code, b := s.Admin(tb, "GET", fmt.Sprintf("/api/admin/issues/%d/events/latest", is.ID), nil)
		var ev storedEvent
		if err := json.Unmarshal(b, &ev); err != nil || code != 200 {
			tb.Fatalf("latest event: status %d %s", code, b)
		}
		evs = append(evs, ev)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Title < evs[j].Title })
	return evs
}

func TestSecurityReports(t *testing.T) {
	cases := []struct {
		name, path, contentType, fixture string
		titles                           []string
	}{
		{"CSP report", "security", "application/csp-report", "csp-report.json",
			[]string{"Blocked 'script' from 'evil.example.net'"}},
		{"CSP level 2 report on csp-report/", "csp-report", "application/json", "csp-report-level2.json",
			[]string{"Blocked 'style' from 'example.com'"}},
		{"Reporting API list of two", "security", "application/reports+json", "reports-api.json",
			[]string{"Blocked 'script' from 'inline'", "Blocked font from 'fonts.tracker.example'"}},
		{"Expect-CT", "security", "application/expect-ct-report+json", "expect-ct.json",
			[]string{"Expect-CT failed for 'www.shop.example'"}},
		{"HPKP", "security", "application/json", "hpkp.json",
			[]string{"Public key pinning validation failed for 'pinned.shop.example'"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
			req := s.securityReq(tc.path, "&sentry_release=shop%402.1.0&sentry_environment=production",
				readFixture(t, tc.fixture), tc.contentType)
			req.Header.Set("Origin", "https://shop.example")
			resp, err := s.App().Test(req, 30000)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.ContentLength > 0 {
				t.Fatalf("status %d length %d, want 200 with an empty body", resp.StatusCode, resp.ContentLength)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") == "" {
				t.Errorf("no Access-Control-Allow-Origin: browsers would hide the answer")
			}
			s.Drain(t)
			if got := s.Stats().Accepted.Load(); got != int64(len(tc.titles)) {
				t.Fatalf("accepted %d events, want %d", got, len(tc.titles))
			}
			evs := s.issueEvents(t, true)
			var titles []string
			for _, ev := range evs {
				titles = append(titles, ev.Title)
				if ev.Release != "shop@2.1.0" || ev.Environment != "production" {
					t.Errorf("%s: release %q environment %q, want the query's", ev.Title, ev.Release, ev.Environment)
				}
			}
			if strings.Join(titles, "|") != strings.Join(tc.titles, "|") {
				t.Fatalf("titles %q, want %q", titles, tc.titles)
			}
		})
	}
}

func TestSecurityCSPDetails(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	code, b := s.Do(t, s.securityReq("security", "", readFixture(t, "csp-report.json"), "application/csp-report"))
	if code != 200 || len(b) != 0 {
		t.Fatalf("status %d body %q, want 200 and no body", code, b)
	}
	s.Drain(t)
	evs := s.latestEvents(t)
	if len(evs) != 1 {
		t.Fatalf("%d issues, want 1", len(evs))
	}
	ev := evs[0]
	if ev.Culprit != "script-src-elem" {
		t.Errorf("culprit %q, want the violated directive", ev.Culprit)
	}
	tags := map[string]string{}
	for _, tg := range ev.Tags {
		tags[tg.Key] = tg.Value
	}
	if tags["blocked-uri"] != "https://evil.example.net/skimmer.js" || tags["effective-directive"] != "script-src-elem" {
		t.Errorf("tags %v, want blocked-uri and effective-directive", tags)
	}
	var p struct {
		CSP     map[string]any `json:"csp"`
		Request struct {
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		} `json:"request"`
	}
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.CSP["document_uri"] != "https://shop.example/checkout" || p.Request.URL != "https://shop.example/checkout" ||
		p.Request.Headers["User-Agent"] != "Mozilla/5.0 (test)" {
		t.Errorf("payload %s, want csp.document_uri, request.url and the User-Agent", ev.Payload)
	}
}

func TestSecurityRejects(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{MaxEventSize: 4096}, pipeline.Options{})
	noKey := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/security/", s.Project.ID), bytes.NewReader(readFixture(t, "csp-report.json")))
	noKey.Header.Set("Content-Type", "application/csp-report")
	cases := []struct {
		name   string
		req    *nethttp.Request
		status int
	}{
		{"bad JSON", s.securityReq("security", "", []byte(`{"csp-report": {`), "application/csp-report"), 400},
		{"not a report", s.securityReq("security", "", []byte(`{"hello":"world"}`), "application/json"), 400},
		{"a JSON string", s.securityReq("security", "", []byte(`"csp"`), "application/json"), 400},
		{"empty body", s.securityReq("security", "", nil, "application/csp-report"), 400},
		{"too large", s.securityReq("security", "", []byte(`{"csp-report":{"document-uri":"`+strings.Repeat("a", 5000)+`"}}`), "application/csp-report"), 413},
		{"no key", noKey, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, b := s.Do(t, tc.req)
			if code != tc.status || detail(b) == "" {
				t.Fatalf("status %d body %s, want %d with a JSON detail", code, b, tc.status)
			}
		})
	}
	t.Run("other content type", func(t *testing.T) {
		code, b := s.Do(t, s.securityReq("security", "", readFixture(t, "csp-report.json"), "text/plain"))
		if code != 415 {
			t.Fatalf("status %d body %s, want 415", code, b)
		}
	})
	if n := s.Stats().Accepted.Load(); n != 0 {
		t.Errorf("%d events accepted, want none", n)
	}
}

func TestSecurityPreflight(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	req := httptest.NewRequest("OPTIONS", fmt.Sprintf("/api/%d/security/", s.Project.ID), nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := s.App().Test(req, 30000)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") == "" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight: status %d headers %v, want 200 allowing POST", resp.StatusCode, resp.Header)
	}
}
