package httpclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/sdk/notifier"
)

func TestParseEndpointNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		config notifier.Config
		field  string
	}{
		{notifier.Config{}, "url"},
		{notifier.Config{"url": "  "}, "url"},
		{notifier.Config{"url": "ftp://example.com"}, "url"},
		{notifier.Config{"url": "http://10.0.0.8/hook"}, "url"},
		{notifier.Config{"url": "https://example.com", "headers": "X-A: b"}, "headers"},
		{notifier.Config{"url": "https://example.com", "headers": map[string]any{"X-A": 1.0}}, "headers.X-A"},
		{notifier.Config{"url": "https://example.com", "headers": map[string]any{"Bad Name": "v"}}, "headers.Bad Name"},
		{notifier.Config{"url": "https://example.com", "headers": map[string]any{"X-A": "a\r\nX-B: 1"}}, "headers.X-A"},
		{notifier.Config{"url": "https://example.com", "headers": map[string]any{"X-A": "a\x00"}}, "headers.X-A"},
		{notifier.Config{"url": "https://example.com", "headers": map[string]any{"x-signed": "v"}}, "headers.x-signed"},
		{notifier.Config{"url": "https://example.com", "timeout": "soon"}, "timeout"},
		{notifier.Config{"url": "https://example.com", "timeout": 0.0}, "timeout"},
		{notifier.Config{"url": "https://example.com", "timeout": "5m1s"}, "timeout"},
		// url comes first, then headers, then timeout.
		{notifier.Config{"headers": "x", "timeout": "x"}, "url"},
		{notifier.Config{"url": "https://example.com", "headers": "x", "timeout": "x"}, "headers"},
	} {
		_, err := ParseEndpoint(tc.config, "X-Signed")
		if ce := notifier.AsConfigError(err); ce == nil || ce.Field != tc.field {
			t.Errorf("ParseEndpoint(%v) = %v, want a ConfigError for %q", tc.config, err, tc.field)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	e, err := ParseEndpoint(notifier.Config{"url": "https://example.com/hook?t=1", "headers": map[string]any{"X-Token": "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.URL != "https://example.com/hook?t=1" || e.Headers["X-Token"] != "t" || e.Timeout != 10*time.Second || e.AllowPrivate {
		t.Errorf("ParseEndpoint = %+v", e)
	}
	// Only the headers named reserved are refused.
	if _, err := ParseEndpoint(notifier.Config{"url": "https://example.com", "headers": map[string]any{"Connection": "close"}}, "Host"); err != nil {
		t.Errorf("an unreserved header was refused: %v", err)
	}
	e, err = ParseEndpoint(notifier.Config{"url": "http://127.0.0.1:9/", "timeout": 3.0, notifier.AllowPrivateNetworksKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.Timeout != 3*time.Second || !e.AllowPrivate {
		t.Errorf("ParseEndpoint = %+v", e)
	}
}

func TestEndpointPost(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r, string(b)
	}))
	defer srv.Close()
	e, err := ParseEndpoint(notifier.Config{"url": srv.URL + "/x", notifier.AllowPrivateNetworksKey: true,
		"headers": map[string]any{"X-Token": "t", "Content-Type": "text/plain"}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.NewPost(context.Background(), []byte(`{"a":1}`), "application/json", "Test/1")
	if err != nil {
		t.Fatal(err)
	}
	if err := Send(e.Client(), req); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/x" || body != `{"a":1}` {
		t.Errorf("receiver got %s %s %q", got.Method, got.URL.Path, body)
	}
	// The plugin's Content-Type wins over a configured one.
	if got.Header.Get("X-Token") != "t" || got.Header.Get("Content-Type") != "application/json" || got.Header.Get("User-Agent") != "Test/1" {
		t.Errorf("headers = %v", got.Header)
	}

	e.Headers = map[string]string{"User-Agent": "Mine/2"}
	req, _ = e.NewPost(context.Background(), nil, "application/json", "Test/1")
	if ua := req.Header.Get("User-Agent"); ua != "Mine/2" {
		t.Errorf("User-Agent = %q, want the configured one", ua)
	}

	e.URL = "http://bad host/secret-path"
	_, err = e.NewPost(context.Background(), nil, "application/json", "Test/1")
	if err == nil || !notifier.IsPermanent(err) || strings.Contains(err.Error(), "secret-path") {
		t.Errorf("NewPost to a bad URL = %v, want a permanent error without the path", err)
	}
}
