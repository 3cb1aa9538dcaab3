package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// received is one request the fake receiver saw.
type received struct {
	header http.Header
	body   []byte
}

// mustReceiver starts a receiver that records requests and answers with
// status(i) for the i-th request (0-based).
func mustReceiver(tb testing.TB, status func(i int, w http.ResponseWriter) int) (*httptest.Server, func() []received) {
	tb.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		i := len(got)
		got = append(got, received{header: r.Header.Clone(), body: body})
		mu.Unlock()
		w.WriteHeader(status(i, w))
	}))
	tb.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func ok(int, http.ResponseWriter) int { return http.StatusNoContent }

// verify checks a signature the way a receiver would.
func verify(secret string, body []byte, header string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal([]byte(header), []byte("sha256="+hex.EncodeToString(m.Sum(nil))))
}

func TestConformance(t *testing.T) {
	srv, got := mustReceiver(t, ok)
	sdktest.Conformance(t, &webhook{}, sdk.Config{
		"url":                       srv.URL + "/hooks/periscope",
		"secret":                    "s3cret",
		"headers":                   map[string]any{"Authorization": "Bearer abc"},
		"timeout":                   "5s",
		sdk.AllowPrivateNetworksKey: true,
	})
	reqs := got()
	if len(reqs) != 5 {
		t.Fatalf("receiver got %d requests, want 5", len(reqs))
	}
	for _, r := range reqs {
		if !verify("s3cret", r.body, r.header.Get("X-Periscope-Signature")) {
			t.Errorf("signature %q does not verify", r.header.Get("X-Periscope-Signature"))
		}
		if r.header.Get("Authorization") != "Bearer abc" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers = %v", r.header)
		}
		var n sdk.Notification
		if err := json.Unmarshal(r.body, &n); err != nil {
			t.Fatal(err)
		}
		if n.IdempotencyKey == "" || n.IdempotencyKey != r.header.Get("X-Periscope-Idempotency-Key") {
			t.Errorf("idempotency key %q, header %q", n.IdempotencyKey, r.header.Get("X-Periscope-Idempotency-Key"))
		}
	}
}

// TestSignKnownVector checks sign against RFC-style published HMAC-SHA256
// output for a well-known input.
func TestSignKnownVector(t *testing.T) {
	got := sign("key", []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
}

func TestPayloadShape(t *testing.T) {
	srv, got := mustReceiver(t, ok)
	remote := sdktest.Serve(t, &webhook{})
	ctx := context.Background()
	if err := remote.Configure(ctx, sdk.Config{"url": srv.URL, sdk.AllowPrivateNetworksKey: true}); err != nil {
		t.Fatal(err)
	}
	if err := remote.Notify(ctx, sdktest.SampleNotification(9)); err != nil {
		t.Fatal(err)
	}
	r := got()[0]
	if r.header.Get("X-Periscope-Signature") != "" {
		t.Error("no secret configured, yet the request is signed")
	}
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	issue, _ := doc["issue"].(map[string]any)
	event, _ := doc["event"].(map[string]any)
	alert, _ := doc["alert"].(map[string]any)
	project, _ := doc["project"].(map[string]any)
	for path, want := range map[string]any{
		"idempotency_key":   "sdktest-9",
		"alert.kind":        "new_issue",
		"project.name":      "checkout",
		"issue.id":          42.0,
		"issue.title":       "ZeroDivisionError: division by zero",
		"issue.first_seen":  "2025-01-02T03:04:05Z",
		"issue.url":         "https://periscope.example.com/issues/42",
		"issue_url":         "https://periscope.example.com/issues/42",
		"event.message":     "",
		"event.environment": "production",
		"event.release":     "checkout@1.4.2",
	} {
		var v any
		switch {
		case strings.HasPrefix(path, "issue."):
			v = issue[strings.TrimPrefix(path, "issue.")]
		case strings.HasPrefix(path, "event."):
			v = event[strings.TrimPrefix(path, "event.")]
		case strings.HasPrefix(path, "alert."):
			v = alert[strings.TrimPrefix(path, "alert.")]
		case strings.HasPrefix(path, "project."):
			v = project[strings.TrimPrefix(path, "project.")]
		default:
			v = doc[path]
		}
		if v != want {
			t.Errorf("%s = %v, want %v", path, v, want)
		}
	}
	if tags, _ := event["tags"].([]any); len(tags) != 2 {
		t.Errorf("event.tags = %v, want 2 tags", event["tags"])
	}
	// The exception with its top frames arrives as JSON.
	ex, _ := event["exception"].(map[string]any)
	frames, _ := ex["frames"].([]any)
	if ex["type"] != "ZeroDivisionError" || ex["value"] != "division by zero" || ex["module"] != "builtins" || len(frames) != 2 {
		t.Fatalf("event.exception = %v", event["exception"])
	}
	if f, _ := frames[0].(map[string]any); f["function"] != "divide" || f["filename"] != "app/views.py" || f["module"] != "app.views" || f["lineno"] != 42.0 {
		t.Errorf("event.exception.frames[0] = %v", frames[0])
	}
}

func TestStatusClassification(t *testing.T) {
	for _, tc := range []struct {
		status     int
		retryAfter string
		wantErr    bool
		permanent  bool
		wantDelay  time.Duration
	}{
		{200, "", false, false, 0},
		{202, "", false, false, 0},
		{204, "", false, false, 0},
		{429, "", true, false, 0},
		{429, "120", true, false, 120 * time.Second},
		{500, "", true, false, 0},
		{502, "", true, false, 0},
		{503, "7", true, false, 7 * time.Second},
		{301, "", true, true, 0},
		{400, "", true, true, 0},
		{401, "", true, true, 0},
		{404, "", true, true, 0},
		{410, "", true, true, 0},
	} {
		srv, _ := mustReceiver(t, func(_ int, w http.ResponseWriter) int {
			if tc.retryAfter != "" {
				w.Header().Set("Retry-After", tc.retryAfter)
			}
			if tc.status == 301 {
				w.Header().Set("Location", "https://example.com/")
			}
			return tc.status
		})
		remote := sdktest.Serve(t, &webhook{})
		ctx := context.Background()
		if err := remote.Configure(ctx, sdk.Config{"url": srv.URL, sdk.AllowPrivateNetworksKey: true}); err != nil {
			t.Fatal(err)
		}
		err := remote.Notify(ctx, sdktest.SampleNotification(0))
		if (err != nil) != tc.wantErr {
			t.Errorf("HTTP %d: Notify = %v, want error %v", tc.status, err, tc.wantErr)
			continue
		}
		if got := sdk.IsPermanent(err); got != tc.permanent {
			t.Errorf("HTTP %d: permanent = %v, want %v (%v)", tc.status, got, tc.permanent, err)
		}
		if d, _ := sdk.RetryAfterOf(err); d != tc.wantDelay {
			t.Errorf("HTTP %d: retry after = %v, want %v", tc.status, d, tc.wantDelay)
		}
	}
}

func TestConnectionRefusedIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	w := &webhook{}
	ctx := context.Background()
	if err := w.Configure(ctx, sdk.Config{"url": url + "/secret-token", sdk.AllowPrivateNetworksKey: true}); err != nil {
		t.Fatal(err)
	}
	err := w.Notify(ctx, sdktest.SampleNotification(0))
	if err == nil || sdk.IsPermanent(err) {
		t.Fatalf("Notify to a closed port = %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "secret-token") {
		t.Errorf("error %q leaks the URL path", err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	w := &webhook{}
	for _, tc := range []struct {
		config sdk.Config
		field  string
	}{
		{sdk.Config{}, "url"},
		{sdk.Config{"url": "ftp://example.com"}, "url"},
		{sdk.Config{"url": "https://user:pw@example.com"}, "url"},
		{sdk.Config{"url": "http://127.0.0.1:8080/hook"}, "url"},
		{sdk.Config{"url": "http://169.254.169.254/latest"}, "url"},
		{sdk.Config{"url": "http://[::1]/"}, "url"},
		{sdk.Config{"url": "http://localhost/"}, "url"},
		{sdk.Config{"url": "https://example.com", "headers": "X-A: b"}, "headers"},
		{sdk.Config{"url": "https://example.com", "headers": map[string]any{"X-Ok": "1", "Bad Name": "v"}}, "headers.Bad Name"},
		{sdk.Config{"url": "https://example.com", "headers": map[string]any{"X-A": "a\r\nX-Injected: 1"}}, "headers.X-A"},
		{sdk.Config{"url": "https://example.com", "headers": map[string]any{"content-type": "text/plain"}}, "headers.content-type"},
		{sdk.Config{"url": "https://example.com", "secret": 12.0}, "secret"},
		{sdk.Config{"url": "https://example.com", "timeout": "soon"}, "timeout"},
		{sdk.Config{"url": "https://example.com", "timeout": "1h"}, "timeout"},
		{sdk.Config{"url": "https://example.com", "tiemout": "1s"}, "tiemout"},
	} {
		err := w.Validate(context.Background(), tc.config)
		if ce := sdk.AsConfigError(err); ce == nil || ce.Field != tc.field {
			t.Errorf("Validate(%v) = %v, want a ConfigError for %q", tc.config, err, tc.field)
		}
	}
	good := sdk.Config{"url": "https://example.com/hook", "timeout": 3.0, "headers": map[string]any{"X-Token": "t"}}
	if err := w.Validate(context.Background(), good); err != nil {
		t.Errorf("Validate(%v) = %v", good, err)
	}
	private := sdk.Config{"url": "http://127.0.0.1:8080/hook", sdk.AllowPrivateNetworksKey: true}
	if err := w.Validate(context.Background(), private); err != nil {
		t.Errorf("with private networks allowed, Validate(%v) = %v", private, err)
	}
}
