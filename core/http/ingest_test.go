package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

const eventID = "9ec79c33ec9942ab8353589fcb2e04dc"

func envelope(key string, projectID int64, items ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"event_id":"%s","dsn":"http://%s@127.0.0.1:8000/%d","sent_at":"2026-11-27T10:00:00Z"}`+"\n", eventID, key, projectID)
	for _, it := range items {
		b.WriteString(it)
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func eventItem(payload string) string {
	return fmt.Sprintf(`{"type":"event","length":%d}`+"\n%s", len(payload), payload)
}

const errorPayload = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"error","platform":"go","exception":[{"type":"*errors.errorString","value":"boom"}]}`

func (s *testServer) envelopeReq(body []byte, auth string) *nethttp.Request {
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/envelope/", s.Project.ID), bytes.NewReader(body))
	if auth != "" {
		req.Header.Set("X-Sentry-Auth", auth)
	}
	return req
}

func (s *testServer) auth() string {
	return "Sentry sentry_version=7, sentry_client=test/1.0, sentry_key=" + s.Key
}

func detail(b []byte) string {
	var v struct {
		Detail string `json:"detail"`
	}
	json.Unmarshal(b, &v)
	return v.Detail
}

func TestEnvelopeStoredOnce(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	body := envelope(s.Key, s.Project.ID, eventItem(errorPayload), `{"type":"session"}`, `{"status":"ok"}`)
	for i := 0; i < 3; i++ {
		code, b := s.Do(t, s.envelopeReq(body, s.auth()))
		if code != 200 || !strings.Contains(string(b), eventID) {
			t.Fatalf("attempt %d: status %d body %s, want 200 with the event id", i, code, b)
		}
	}
	s.Drain(t)
	code, b := s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/issues", s.Project.ID), nil)
	var out adminclient.IssuePage
	json.Unmarshal(b, &out)
	if code != 200 || len(out.Issues) != 1 || out.Issues[0].Count != 1 {
		t.Fatalf("issues: status %d %s, want one issue with count 1 (duplicates stored once)", code, b)
	}
	var st struct {
		Ingest struct {
			ItemsByType map[string]int64 `json:"items_by_type"`
		} `json:"ingest"`
	}
	_, b = s.Admin(t, "GET", "/api/admin/stats", nil)
	if err := json.Unmarshal(b, &st); err != nil || st.Ingest.ItemsByType["session"] != 3 {
		t.Errorf("stats %s: want the 3 session items counted by type", b)
	}
	if out.Issues[0].Title != "*errors.errorString: boom" {
		t.Errorf("title %q, want %q", out.Issues[0].Title, "*errors.errorString: boom")
	}
	code, b = s.Admin(t, "GET", fmt.Sprintf("/api/admin/projects/%d/events/%s", s.Project.ID, eventID), nil)
	var ev core.Event
	json.Unmarshal(b, &ev)
	if code != 200 || string(ev.Payload) != errorPayload {
		t.Fatalf("event: status %d payload %s, want the raw payload back", code, ev.Payload)
	}
}

func TestAuthFailures(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	other := MustOpenServer(t, phttp.Options{}, pipeline.Options{}) // a key from another database
	body := envelope(s.Key, s.Project.ID, eventItem(errorPayload))
	noDSN := []byte(`{"event_id":"` + eventID + `"}` + "\n" + eventItem(errorPayload) + "\n")
	cases := []struct {
		name   string
		req    *nethttp.Request
		status int
	}{
		{"no credentials anywhere", s.envelopeReq(noDSN, ""), 401},
		{"unknown key", s.envelopeReq(noDSN, "Sentry sentry_key=0123456789abcdef0123456789abcdef"), 401},
		{"key too short", s.envelopeReq(noDSN, "Sentry sentry_key=abc"), 401},
		{"unparseable header", s.envelopeReq(noDSN, "Bearer xyz"), 401},
		{"unknown key in envelope dsn", s.envelopeReq(envelope(other.Key, s.Project.ID, eventItem(errorPayload)), ""), 401},
		{"wrong project in path", func() *nethttp.Request {
			r := httptest.NewRequest("POST", "/api/999/envelope/", bytes.NewReader(noDSN))
			r.Header.Set("X-Sentry-Auth", s.auth())
			return r
		}(), 403},
		{"non-numeric project", func() *nethttp.Request {
			r := httptest.NewRequest("POST", "/api/abc/envelope/", bytes.NewReader(noDSN))
			r.Header.Set("X-Sentry-Auth", s.auth())
			return r
		}(), 400},
		{"future protocol version", s.envelopeReq(noDSN, "Sentry sentry_version=8, sentry_key="+s.Key), 400},
		{"dsn header disagrees with credentials", s.envelopeReq(envelope("0123456789abcdef0123456789abcdef", s.Project.ID, eventItem(errorPayload)), s.auth()), 400},
		{"two credential sources", func() *nethttp.Request {
			r := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/envelope/?sentry_key=%s", s.Project.ID, s.Key), bytes.NewReader(noDSN))
			r.Header.Set("X-Sentry-Auth", s.auth())
			return r
		}(), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, b := s.Do(t, tc.req)
			if code != tc.status || detail(b) == "" {
				t.Fatalf("status %d body %s, want %d with a JSON detail", code, b, tc.status)
			}
		})
	}
	// Revoked key: 403 at once.
	code, _ := s.Admin(t, "DELETE", fmt.Sprintf("/api/admin/projects/%d/keys/%s", s.Project.ID, s.Key), nil)
	if code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code, b := s.Do(t, s.envelopeReq(body, s.auth())); code != 403 {
		t.Fatalf("revoked key: status %d %s, want 403", code, b)
	}
	// Every auth style the SDKs use works.
	good := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	styles := map[string]func(r *nethttp.Request){
		"x-sentry-auth": func(r *nethttp.Request) {
			r.Header.Set("X-Sentry-Auth", "Sentry sentry_key="+good.Key+",sentry_version=7,sentry_secret=(null)")
		},
		"authorization sentry": func(r *nethttp.Request) { r.Header.Set("Authorization", "Sentry sentry_key="+good.Key) },
		"query string": func(r *nethttp.Request) {
			r.URL.RawQuery = "sentry_version=7&sentry_key=" + good.Key + "&sentry_client=sentry.javascript.browser%2F11.0.0"
		},
		"envelope dsn (tunnel)": func(r *nethttp.Request) {},
	}
	for name, set := range styles {
		t.Run("accepts "+name, func(t *testing.T) {
			r := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/envelope/", good.Project.ID), bytes.NewReader(envelope(good.Key, good.Project.ID, eventItem(errorPayload))))
			r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
			set(r)
			if code, b := good.Do(t, r); code != 200 {
				t.Fatalf("status %d %s, want 200", code, b)
			}
		})
	}
}

func TestLimitsAndBombs(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{MaxEventSize: 64 << 10, MaxEnvelopeSize: 256 << 10}, pipeline.Options{})
	big := `{"message":"` + strings.Repeat("a", 70<<10) + `"}`
	t.Run("event over the limit", func(t *testing.T) {
		code, b := s.Do(t, s.envelopeReq(envelope(s.Key, s.Project.ID, eventItem(big)), s.auth()))
		if code != 413 || !strings.Contains(detail(b), "size limits") {
			t.Fatalf("status %d %s, want 413", code, b)
		}
	})
	t.Run("gzip bomb", func(t *testing.T) {
		// 64 MiB of zeros, ~64 KiB on the wire: one gzip member of 1 MiB,
		// 64 times (gzip readers read every member), so the test
		// compresses 1 MiB, not 64, under the race detector.
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		w.Write(make([]byte, 1<<20))
		w.Close()
		req := s.envelopeReq(bytes.Repeat(buf.Bytes(), 64), s.auth())
		req.Header.Set("Content-Encoding", "gzip")
		code, b := s.Do(t, req)
		if code != 413 {
			t.Fatalf("status %d %s, want 413", code, b)
		}
	})
	t.Run("store endpoint over the limit", func(t *testing.T) {
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/%d/store/", s.Project.ID), strings.NewReader(big))
		req.Header.Set("X-Sentry-Auth", s.auth())
		if code, b := s.Do(t, req); code != 413 {
			t.Fatalf("status %d %s, want 413", code, b)
		}
	})
	// The server is still healthy and still stores events.
	if code, b := s.Do(t, s.envelopeReq(envelope(s.Key, s.Project.ID, eventItem(errorPayload)), s.auth())); code != 200 {
		t.Fatalf("after the bad requests: status %d %s", code, b)
	}
}

func TestMalformedEnvelopes(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	hdr := fmt.Sprintf(`{"event_id":"%s"}`, eventID)
	cases := map[string]string{
		"empty body":          "",
		"header not json":     "{nope\n" + eventItem(errorPayload),
		"item header garbage": hdr + "\n{\"type\":\n",
		"length past the end": hdr + "\n" + `{"type":"event","length":5000}` + "\n" + errorPayload,
		"truncated item":      hdr + "\n" + `{"type":"event","length":40}` + "\n" + errorPayload[:20],
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			code, b := s.Do(t, s.envelopeReq([]byte(body), s.auth()))
			if code != 400 || detail(b) == "" {
				t.Fatalf("status %d %s, want 400 with a detail", code, b)
			}
		})
	}
	t.Run("invalid event json is kept as rejected", func(t *testing.T) {
		code, _ := s.Do(t, s.envelopeReq(envelope(s.Key, s.Project.ID, eventItem(`{"event_id": oops}`)), s.auth()))
		if code != 200 {
			// Relay accepts an event item and reports processing errors
			// later; Periscope keeps the payload as a rejected event.
			t.Fatalf("status %d, want 200", code)
		}
		s.Drain(t)
		if got := s.Pipeline.Stats().Rejected.Load(); got != 1 {
			t.Fatalf("rejected %d, want 1", got)
		}
	})
	t.Run("implicit lengths and unknown items", func(t *testing.T) {
		body := hdr + "\n{\"type\":\"event\"}\n" + errorPayload + "\n{\"type\":\"something_new\"}\n{}\n{\"type\":\"client_report\"}\n{}"
		if code, b := s.Do(t, s.envelopeReq([]byte(body), s.auth())); code != 200 {
			t.Fatalf("status %d %s", code, b)
		}
	})
}

func TestCORS(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	req := httptest.NewRequest("OPTIONS", fmt.Sprintf("/api/%d/envelope/", s.Project.ID), nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type, x-custom")
	resp, err := s.App().Test(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "x-custom") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	req = s.envelopeReq(envelope(s.Key, s.Project.ID, eventItem(errorPayload)), s.auth())
	req.Header.Set("Origin", "https://app.example.com")
	resp, _ = s.App().Test(req)
	if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "x-sentry-rate-limits") {
		t.Fatalf("rate-limit headers not exposed: %v", resp.Header)
	}
}

func TestRateLimitedKey(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{RateLimit: 2}, pipeline.Options{})
	var codes []int
	for i := 0; i < 4; i++ {
		payload := strings.Replace(errorPayload, eventID, fmt.Sprintf("%032x", i+1), 1)
		req := s.envelopeReq([]byte(fmt.Sprintf(`{"event_id":"%032x"}`+"\n", i+1)+eventItem(payload)+"\n"), s.auth())
		resp, err := s.App().Test(req)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 429 && (resp.Header.Get("Retry-After") == "" || resp.Header.Get("X-Sentry-Rate-Limits") == "") {
			t.Fatalf("429 without Retry-After / X-Sentry-Rate-Limits: %v", resp.Header)
		}
	}
	if fmt.Sprint(codes) != "[200 200 429 429]" {
		t.Fatalf("statuses %v, want [200 200 429 429] for 2 events/minute", codes)
	}
}

// TestAckCommitted: with ingest.ack: committed, a 200 means the event is
// already in the database.
func TestAckCommitted(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{AckCommitted: true}, pipeline.Options{})
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("%032x", i)
		payload := strings.Replace(errorPayload, eventID, id, 1)
		code, b := s.Do(t, s.envelopeReq([]byte(`{"event_id":"`+id+`"}`+"\n"+eventItem(payload)+"\n"), s.auth()))
		if code != 200 {
			t.Fatalf("status %d %s", code, b)
		}
		if _, err := s.Store.FindEventByID(context.Background(), s.Project.ID, id); err != nil {
			t.Fatalf("event %d answered 200 is not in the database yet: %v", i, err)
		}
	}
}

// TestProtocolErrorsKeepTheirStatus: fasthttp's own refusals are not
// reported as internal errors.
func TestProtocolErrorsKeepTheirStatus(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	s.App().Get("/test-timeout", func(c *fiber.Ctx) error { return fiber.ErrRequestTimeout })
	code, b := s.Do(t, httptest.NewRequest("GET", "/test-timeout", nil))
	if code != 408 || detail(b) == "" {
		t.Fatalf("status %d %s, want 408 with a detail", code, b)
	}
}
