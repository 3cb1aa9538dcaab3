package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// mustSlack starts a fake incoming webhook answering status and recording
// bodies.
func mustSlack(tb testing.TB, status int, reply string) (*httptest.Server, func() [][]byte) {
	tb.Helper()
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply)
	}))
	tb.Cleanup(srv.Close)
	return srv, func() [][]byte {
		mu.Lock()
		defer mu.Unlock()
		return append([][]byte(nil), bodies...)
	}
}

func TestConformance(t *testing.T) {
	srv, bodies := mustSlack(t, 200, "ok")
	sdktest.Conformance(t, &slack{}, sdk.Config{"url": srv.URL + "/services/T0/B0/X", "timeout": "5s", sdk.AllowPrivateNetworksKey: true})
	if got := len(bodies()); got != 5 {
		t.Errorf("webhook got %d messages, want 5", got)
	}
}

// slackMessage mirrors what Slack reads from the body.
type slackMessage struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
		Fields []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"fields"`
		Elements []map[string]any `json:"elements"`
	} `json:"blocks"`
}

func TestBlockKitShape(t *testing.T) {
	srv, bodies := mustSlack(t, 200, "ok")
	remote := sdktest.Serve(t, &slack{})
	ctx := context.Background()
	if err := remote.Configure(ctx, sdk.Config{"url": srv.URL, sdk.AllowPrivateNetworksKey: true}); err != nil {
		t.Fatal(err)
	}
	n := sdktest.SampleNotification(0)
	n.Issue.Title = "TypeError: a < b && c > d"
	if err := remote.Notify(ctx, n); err != nil {
		t.Fatal(err)
	}
	var m slackMessage
	if err := json.Unmarshal(bodies()[0], &m); err != nil {
		t.Fatal(err)
	}
	if m.Text != "New issue in checkout: TypeError: a < b && c > d" {
		t.Errorf("fallback text = %q", m.Text)
	}
	types := []string{}
	for _, b := range m.Blocks {
		types = append(types, b.Type)
	}
	if got := strings.Join(types, ","); got != "header,section,section,section,context,actions" {
		t.Fatalf("blocks = %s", got)
	}
	if h := m.Blocks[0].Text; h.Type != "plain_text" || !strings.Contains(h.Text, "New issue in checkout") {
		t.Errorf("header = %+v", h)
	}
	wantLink := "*<https://periscope.example.com/issues/42|TypeError: a &lt; b &amp;&amp; c &gt; d>*\n`app.views in divide`"
	if s := m.Blocks[1].Text; s.Type != "mrkdwn" || s.Text != wantLink {
		t.Errorf("title section = %q, want %q", s.Text, wantLink)
	}
	wantException := "`ZeroDivisionError`: division by zero\n```app/views.py:42 in divide\napp/views.py:17 in checkout```"
	if s := m.Blocks[2].Text; s == nil || s.Type != "mrkdwn" || s.Text != wantException {
		t.Errorf("exception section = %+v, want %q", s, wantException)
	}
	var fields []string
	for _, f := range m.Blocks[3].Fields {
		fields = append(fields, f.Text)
	}
	wantFields := "*Project*\ncheckout|*Level*\nerror|*Environment*\nproduction|*Events*\n3|*Release*\ncheckout@1.4.2"
	if got := strings.Join(fields, "|"); got != wantFields {
		t.Errorf("fields = %q, want %q", got, wantFields)
	}
	if ctxText, _ := m.Blocks[4].Elements[0]["text"].(string); !strings.Contains(ctxText, "Issue #42") {
		t.Errorf("context = %v", m.Blocks[4].Elements)
	}
	button := m.Blocks[5].Elements[0]
	if button["type"] != "button" || button["url"] != "https://periscope.example.com/issues/42" {
		t.Errorf("button = %v", button)
	}

	// A message event without an exception shows its message instead; the
	// mrkdwn is escaped.
	n = sdktest.SampleNotification(1)
	n.Event.Exception = nil
	n.Event.Message = "disk <full> on /var"
	if err := remote.Notify(ctx, n); err != nil {
		t.Fatal(err)
	}
	m = slackMessage{}
	if err := json.Unmarshal(bodies()[1], &m); err != nil {
		t.Fatal(err)
	}
	if s := m.Blocks[2].Text; s == nil || s.Text != "disk &lt;full&gt; on /var" {
		t.Errorf("message section = %+v", s)
	}
}

func TestMessageRespectsSlackLimits(t *testing.T) {
	n := sdktest.SampleNotification(0)
	n.Issue.Title = strings.Repeat("é", 5000)
	n.Issue.Culprit = strings.Repeat("c", 5000)
	n.Project.Name = strings.Repeat("p", 300)
	n.Issue.URL, n.IssueURL = "", ""
	n.Event.Exception.Value = strings.Repeat("v", 5000)
	for i := 0; i < 5; i++ {
		n.Event.Exception.Frames = append(n.Event.Exception.Frames, sdk.Frame{Function: strings.Repeat("f", 2000), Filename: strings.Repeat("x", 2000), Lineno: 1})
	}
	m := buildMessage(n)
	if utf8.RuneCountInString(m.Blocks[0].Text.Text) > maxHeader {
		t.Errorf("header has %d characters", utf8.RuneCountInString(m.Blocks[0].Text.Text))
	}
	for _, b := range m.Blocks {
		if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > maxText {
			t.Errorf("%s block text has %d characters", b.Type, utf8.RuneCountInString(b.Text.Text))
		}
		for _, f := range b.Fields {
			if utf8.RuneCountInString(f.Text) > maxField {
				t.Errorf("field has %d characters", utf8.RuneCountInString(f.Text))
			}
		}
		if b.Type == "actions" {
			t.Error("no issue URL, yet an Open issue button")
		}
	}
	if utf8.RuneCountInString(m.Text) > maxText {
		t.Errorf("text has %d characters", utf8.RuneCountInString(m.Text))
	}
}

func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		status    int
		reply     string
		permanent bool
	}{
		{404, "no_service", true},
		{410, "channel_is_archived", true},
		{403, "invalid_token", true},
		{429, "rate_limited", false},
		{500, "rollup_error", false},
	} {
		srv, _ := mustSlack(t, tc.status, tc.reply)
		s := &slack{}
		if err := s.Configure(context.Background(), sdk.Config{"url": srv.URL, sdk.AllowPrivateNetworksKey: true}); err != nil {
			t.Fatal(err)
		}
		err := s.Notify(context.Background(), sdktest.SampleNotification(0))
		if err == nil || sdk.IsPermanent(err) != tc.permanent || !strings.Contains(err.Error(), tc.reply) {
			t.Errorf("HTTP %d %s: Notify = %v, want permanent=%v", tc.status, tc.reply, err, tc.permanent)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	s := &slack{}
	for _, tc := range []struct {
		config sdk.Config
		field  string
	}{
		{sdk.Config{}, "url"},
		{sdk.Config{"url": "hooks.slack.com/services/x"}, "url"},
		{sdk.Config{"url": "http://10.0.0.8/hook"}, "url"},
		{sdk.Config{"url": "https://hooks.slack.com/services/x", "channel": "#ops"}, "channel"},
		{sdk.Config{"url": "https://hooks.slack.com/services/x", "timeout": -1.0}, "timeout"},
		{sdk.Config{"url": "https://hooks.slack.com/services/x", "headers": map[string]any{"Host": "x"}}, "headers.Host"},
	} {
		err := s.Validate(context.Background(), tc.config)
		if ce := sdk.AsConfigError(err); ce == nil || ce.Field != tc.field {
			t.Errorf("Validate(%v) = %v, want a ConfigError for %q", tc.config, err, tc.field)
		}
	}
}
