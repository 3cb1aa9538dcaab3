package itest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/plugins/email/smtptest"
)

type quotaError struct{ n int }

func (e *quotaError) Error() string { return fmt.Sprintf("quota %d exceeded", e.n) }

type burstError struct{ n int }

func (e *burstError) Error() string { return fmt.Sprintf("burst %d", e.n) }

// sendError captures err with sentry-go from one call site (so errors of
// one type group into one issue), flushes, and returns the event id.
//
//go:noinline
func sendError(t *testing.T, hub *sentry.Hub, err error) string {
	t.Helper()
	id := hub.CaptureException(err)
	if id == nil {
		t.Fatal("sentry-go dropped the event")
	}
	if !hub.Flush(10 * time.Second) {
		t.Fatal("sentry-go did not flush within 10s")
	}
	return string(*id)
}

const hookSecret = "itest-signing-secret"

// TestNotifyDelivery sends a real sentry-go error to a real Periscope and
// follows its alert to a signed webhook, a Slack-format receiver, a real
// SMTP server, a custom plugin built outside the module, and a receiver
// that fails three times first; then the regression after a resolve, and
// a threshold rule.
func TestNotifyDelivery(t *testing.T) {
	t.Parallel()
	jsonlBin := buildJSONLPlugin(t)
	forEachDB(t, func(t *testing.T, db DB) {
		smtp := smtptest.Start(t, smtptest.Options{})
		hook, slack, flaky := NewReceiver(t, "ok"), NewReceiver(t, "ok"), NewReceiver(t, "fail:3")
		jsonlOut := filepath.Join(t.TempDir(), "alerts.jsonl")
		s := StartServer(t, db, fmt.Sprintf(`
notify:
  public_url: https://periscope.example.com
  # The local aiosmtpd relay: SMTP to a loopback address needs the
  # operator's explicit allow-list (allow_private_networks is for HTTP).
  allow_private_hosts: ["127.0.0.1:%d"]
  poll_interval: 200ms
  backoff: {base: 100ms, max: 1s, max_attempts: 10}
  destinations:
    - name: mail
      plugin: email
      config: {host: 127.0.0.1, port: %d, tls: none, from: periscope@example.com, to: [oncall@example.com], subject_prefix: "[itest] "}
    - name: custom
      plugin: %s
      config: {path: %s}
alerts:
  rules:
    - name: burst
      events: 3
      window: 10m
      action_interval: 1h
`, smtp.Port, smtp.Port, jsonlBin, jsonlOut))
		p := s.CreateProject("notify-app")
		dests := fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", p.ID)
		hookID := s.CreateDestination(t, p.ID, map[string]any{"name": "hook", "plugin": "webhook",
			"config": map[string]any{"url": hook.URL + "/hook", "secret": hookSecret, "headers": map[string]string{"X-Itest": "yes"}}})
		s.CreateDestination(t, p.ID, map[string]any{"type": "slack_webhook", "webhook_url": slack.URL + "/services/T0/B0/x"})
		flakyID := s.CreateDestination(t, p.ID, map[string]any{"name": "flaky", "plugin": "webhook",
			"config": map[string]any{"url": flaky.URL}, "when": `alert.kind == "new_issue"`})

		var bad struct {
			Error struct{ Code, Message, Field string }
		}
		if code := s.Do("POST", dests, map[string]any{"name": "bad", "plugin": "webhook", "config": map[string]any{"url": "ftp://x"}}, &bad); code != 400 || bad.Error.Field != "config.url" {
			t.Errorf("a config the plugin rejects: status %d, %+v; want 400 naming config.url", code, bad.Error)
		}
		var tested map[string]any
		if code := s.Do("POST", fmt.Sprintf("%s/%d/test", dests, hookID), nil, &tested); code != 200 || tested["delivered"] != true {
			t.Errorf("test notification: status %d, %v", code, tested)
		}
		if ps := hook.Delivered(t); len(ps) != 1 || !ps[0].Test || ps[0].Project.ID != p.ID {
			t.Errorf("the test notification reached the webhook as %+v", ps)
		}

		// A new issue.
		hub, _ := newGoClient(t, p.Keys[0].DSN)
		start := time.Now()
		eventID := sendError(t, hub, &quotaError{1})
		waitUntil(t, s, 60*time.Second, "the new issue at every destination", func() (bool, string) {
			h, sl, m, j, f := len(hook.DeliveredKind(t, "new_issue")), slack.SlackKinds(t)["New issue"],
				smtpCount(t, smtp), len(readJSONL(t, jsonlOut)), len(flaky.DeliveredKind(t, "new_issue"))
			return h == 1 && sl == 1 && m == 1 && j == 1 && f == 1,
				fmt.Sprintf("webhook %d, slack %d, smtp %d, custom %d, flaky %d; alerts %+v", h, sl, m, j, f, s.Alerts(t, p.ID, ""))
		})
		t.Logf("%s: the new issue reached the webhook, Slack, SMTP, the custom plugin and (after 3 failures) the flaky receiver %v after the SDK sent it",
			db.Name, time.Since(start).Round(time.Millisecond))

		n := hook.DeliveredKind(t, "new_issue")[0]
		var issue Issue
		if code := s.Do("GET", fmt.Sprintf("/api/admin/issues/%d", n.Issue.ID), nil, &issue); code != 200 {
			t.Fatalf("the payload's issue %d: status %d", n.Issue.ID, code)
		}
		checkPayload(t, n, p, issue, eventID, "new_issue")
		checkSignedRequest(t, hook, n.IdempotencyKey)
		checkSlack(t, slack.Requests()[len(slack.Requests())-1].Body, n)
		mails, _ := smtp.Messages(t)
		checkMail(t, mails[0], n)
		if got := readJSONL(t, jsonlOut)[0]; got.IdempotencyKey == "" || got.Alert.Kind != "new_issue" || got.Issue.ID != n.Issue.ID || got.Event.ID != eventID {
			t.Errorf("the custom plugin got %+v", got)
		}
		checkFlaky(t, s, p.ID, flaky, flakyID)

		// Resolve, then the same error again: one regression everywhere.
		if code := s.Do("PATCH", fmt.Sprintf("/api/admin/issues/%d", n.Issue.ID), map[string]string{"status": "resolved"}, &issue); code != 200 || issue.Status != "resolved" {
			t.Fatalf("resolve: status %d, issue %+v", code, issue)
		}
		again := sendError(t, hub, &quotaError{2})
		WaitFor(t, 60*time.Second, "the regression at every destination", func() bool {
			return len(hook.DeliveredKind(t, "regression")) == 1 && slack.SlackKinds(t)["Regression"] == 1 &&
				smtpCount(t, smtp) == 2 && len(readJSONL(t, jsonlOut)) == 2
		})
		reg := hook.DeliveredKind(t, "regression")[0]
		if reg.Issue.ID != n.Issue.ID || reg.Event.ID != again || reg.Issue.Status != "unresolved" || reg.Issue.Count != 2 || reg.IdempotencyKey == n.IdempotencyKey {
			t.Errorf("regression payload %+v", reg)
		}

		// A threshold rule: 3 events of one issue within 10 minutes alert
		// once per hour.
		var burstIDs []string
		for i := range 3 {
			burstIDs = append(burstIDs, sendError(t, hub, &burstError{i}))
		}
		WaitFor(t, 60*time.Second, "the threshold alert", func() bool { return len(hook.DeliveredKind(t, "threshold")) == 1 })
		th := hook.DeliveredKind(t, "threshold")[0]
		if th.Issue.Count < 3 || !strings.Contains(th.Issue.Title, "burstError") {
			t.Errorf("threshold payload %+v", th)
		}
		for i := range 3 {
			burstIDs = append(burstIDs, sendError(t, hub, &burstError{10 + i}))
		}
		for _, id := range burstIDs {
			s.WaitEvent(t, p.ID, id)
		}

		// Settle (threshold checks run just after each commit), then count:
		// nothing was sent twice.
		time.Sleep(500 * time.Millisecond)
		WaitFor(t, 30*time.Second, "no notification pending", func() bool { return pendingCount(t, s, p.ID) == 0 })
		alerts := s.Alerts(t, p.ID, "?kind=threshold")
		if len(alerts) != 1 || alerts[0].Rule != "burst" || alerts[0].IssueID != th.Issue.ID {
			t.Errorf("threshold alerts %+v, want exactly one of rule burst (6 events, action interval 1h)", alerts)
		}
		if got := len(s.Alerts(t, p.ID, "?kind=regression")); got != 1 {
			t.Errorf("%d regression alerts, want 1", got)
		}
		counts := map[string]int{}
		keys := map[string]bool{}
		for _, pl := range hook.Delivered(t) {
			if pl.Test {
				continue
			}
			counts[pl.Alert.Kind]++
			if keys[pl.IdempotencyKey] {
				t.Errorf("the webhook received notification %s twice", pl.IdempotencyKey)
			}
			keys[pl.IdempotencyKey] = true
		}
		if counts["new_issue"] != 2 || counts["regression"] != 1 || counts["threshold"] != 1 {
			t.Errorf("the webhook received %v, want 2 new_issue, 1 regression, 1 threshold", counts)
		}
		if got := slack.SlackKinds(t); got["New issue"] != 2 || got["Regression"] != 1 || got["Threshold reached"] != 1 || len(slack.Requests()) != 4 {
			t.Errorf("slack received %v in %d requests, want 2 new issues, 1 regression, 1 threshold", got, len(slack.Requests()))
		}
		if n := smtpCount(t, smtp); n != 4 {
			t.Errorf("SMTP server received %d messages, want 4", n)
		}
		if got := flaky.DeliveredKind(t, "new_issue"); len(got) != 2 {
			t.Errorf("flaky (new issues only) received %d, want 2", len(got))
		}
	})
}

// waitUntil polls cond until it holds; on timeout it fails with cond's
// last description and the server's log.
func waitUntil(t *testing.T, s *Server, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s: %s\nperiscope log:\n%s", timeout, what, state, s.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pendingCount counts the project's notifications still pending.
func pendingCount(t *testing.T, s *Server, projectID int64) int {
	n := 0
	for _, a := range s.Alerts(t, projectID, "?limit=1000") {
		for _, nt := range a.Notifications {
			if nt.State == "pending" {
				n++
			}
		}
	}
	return n
}

// checkPayload compares a delivered payload with what the API says.
func checkPayload(t *testing.T, n Payload, p *Project, issue Issue, eventID, kind string) {
	t.Helper()
	if n.IdempotencyKey == "" || n.Test || n.Alert.ID <= 0 || n.Alert.Kind != kind || n.Alert.CreatedAt.IsZero() {
		t.Errorf("payload alert: %+v", n)
	}
	if n.Project.ID != p.ID || n.Project.Name != p.Name {
		t.Errorf("payload project %+v, want %d %s", n.Project, p.ID, p.Name)
	}
	is := n.Issue
	if is.Title != issue.Title || !strings.HasPrefix(is.Title, "*itest.quotaError: quota 1 exceeded") || is.Culprit != issue.Culprit ||
		is.Level != "error" || is.Platform != "go" || is.Status != "unresolved" || is.Count != 1 ||
		is.FirstSeen.IsZero() || is.LastSeen.Before(is.FirstSeen) {
		t.Errorf("payload issue %+v, API issue %+v", is, issue)
	}
	// The link is the issue's page for people, not the admin API.
	if want := fmt.Sprintf("https://periscope.example.com/issues/%d", is.ID); n.IssueURL != want || is.URL != want {
		t.Errorf("payload issue_url %q, issue.url %q; want %q for both", n.IssueURL, is.URL, want)
	}
	if n.Event.ID != eventID || n.Event.Environment != "itest" || n.Event.Release != "itest@1.0.0" || n.Event.Tags == nil {
		t.Errorf("payload event %+v, want id %s, environment itest, release itest@1.0.0", n.Event, eventID)
	}
	// The exception sentry-go sent, with its top in-app frames, newest
	// (sendError, where it was captured) first.
	x := n.Event.Exception
	if x == nil || x.Type != "*itest.quotaError" || !strings.HasPrefix(x.Value, "quota ") || len(x.Frames) == 0 || len(x.Frames) > 5 {
		t.Fatalf("payload exception %+v, want *itest.quotaError with 1 to 5 frames", x)
	}
	if f := x.Frames[0]; f.Function != "sendError" || !strings.HasSuffix(f.Filename, "notify_test.go") || f.Lineno <= 0 {
		t.Errorf("payload top frame %+v, want sendError in notify_test.go with a line", f)
	}
}

// topFrame is the payload's newest frame as the plugins print it.
func topFrame(n Payload) string {
	f := n.Event.Exception.Frames[0]
	return fmt.Sprintf("%s:%d in %s", f.Filename, f.Lineno, f.Function)
}

// checkSignedRequest finds the delivered request with key and verifies
// its signature and headers.
func checkSignedRequest(t *testing.T, r *Receiver, key string) {
	t.Helper()
	for _, q := range r.Requests() {
		var p Payload
		if json.Unmarshal(q.Body, &p) != nil || p.IdempotencyKey != key {
			continue
		}
		if !verifySignature(q.Body, q.Header.Get("X-Periscope-Signature"), hookSecret) {
			t.Errorf("signature %q does not verify", q.Header.Get("X-Periscope-Signature"))
		}
		if verifySignature(q.Body, q.Header.Get("X-Periscope-Signature"), "another secret") {
			t.Errorf("the signature verifies with the wrong secret too")
		}
		if q.Header.Get("X-Periscope-Idempotency-Key") != key || q.Header.Get("X-Itest") != "yes" ||
			!strings.HasPrefix(q.Header.Get("Content-Type"), "application/json") {
			t.Errorf("webhook headers %v", q.Header)
		}
		return
	}
	t.Errorf("no webhook request with idempotency key %s", key)
}

// checkSlack parses the Block Kit message.
func checkSlack(t *testing.T, body []byte, n Payload) {
	t.Helper()
	var m struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				Type string          `json:"type"`
				Text json.RawMessage `json:"text"`
				URL  string          `json:"url"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("slack body is not JSON: %v\n%s", err, body)
	}
	if !strings.Contains(m.Text, n.Issue.Title) || !strings.Contains(m.Text, "notify-app") {
		t.Errorf("slack fallback text %q", m.Text)
	}
	var header, sections, fields, button string
	for _, b := range m.Blocks {
		switch b.Type {
		case "header":
			header = b.Text.Text
		case "section":
			if b.Text != nil {
				sections += b.Text.Text + "\n"
			}
			for _, f := range b.Fields {
				fields += f.Text + "|"
			}
		case "actions":
			for _, e := range b.Elements {
				if e.Type == "button" {
					button = e.URL
				}
			}
		}
	}
	if !strings.Contains(header, "New issue in notify-app") {
		t.Errorf("slack header %q", header)
	}
	if !strings.Contains(sections, "*<"+n.IssueURL+"|") || !strings.Contains(sections, "quotaError") {
		t.Errorf("slack sections %q lack the title linked to %s", sections, n.IssueURL)
	}
	if !strings.Contains(sections, "`*itest.quotaError`: "+n.Event.Exception.Value) || !strings.Contains(sections, topFrame(n)) {
		t.Errorf("slack sections %q lack the exception and its top frame %q", sections, topFrame(n))
	}
	for _, want := range []string{"*Project*\nnotify-app", "*Level*\nerror", "*Environment*\nitest", "*Events*\n1"} {
		if !strings.Contains(fields, want) {
			t.Errorf("slack fields %q lack %q", fields, want)
		}
	}
	if button != n.IssueURL || button == "" {
		t.Errorf("slack button %q, want %q", button, n.IssueURL)
	}
	if !strings.Contains(fields, "*Release*\nitest@1.0.0") {
		t.Errorf("slack fields %q lack the release", fields)
	}
}

// checkMail parses the MIME message the SMTP server received.
func checkMail(t *testing.T, raw []byte, n Payload) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the SMTP server received something that is not a message: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.HasPrefix(subject, "[itest] ") || !strings.Contains(subject, "notify-app") || !strings.Contains(subject, "quotaError") {
		t.Errorf("subject %q (%v)", subject, err)
	}
	if from := msg.Header.Get("From"); !strings.Contains(from, "periscope@example.com") {
		t.Errorf("From %q", from)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "oncall@example.com") {
		t.Errorf("To %q", to)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("reading the message's parts: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		b, _ := io.ReadAll(part)
		parts[ct] = string(b)
	}
	for _, ct := range []string{"text/plain", "text/html"} {
		for _, want := range []string{"quotaError", n.IssueURL, n.Event.Exception.Value, topFrame(n), "itest@1.0.0", "itest"} {
			if !strings.Contains(parts[ct], want) {
				t.Errorf("%s part lacks %q:\n%s", ct, want, parts[ct])
			}
		}
	}
	if !strings.Contains(parts["text/plain"], "*itest.quotaError: "+n.Event.Exception.Value) || !strings.Contains(parts["text/plain"], "Events:") {
		t.Errorf("text part lacks the exception line or the event count:\n%s", parts["text/plain"])
	}
}

// checkFlaky checks that the receiver that failed three times got the
// notification once, after four attempts recorded in the alert.
func checkFlaky(t *testing.T, s *Server, projectID int64, flaky *Receiver, destID int64) {
	t.Helper()
	reqs := flaky.Requests()
	if len(reqs) != 4 || reqs[3].Status != 200 {
		t.Errorf("flaky receiver got %d requests, want 3 failures then 1 success", len(reqs))
	}
	// The receiver answers before the server records the delivery: wait
	// for the record, not for the request.
	find := func() *core.Notification {
		for _, a := range s.Alerts(t, projectID, "?kind=new_issue") {
			for _, n := range a.Notifications {
				if n.DestinationID == destID {
					return n
				}
			}
		}
		return nil
	}
	WaitFor(t, 60*time.Second, "the flaky notification recorded as delivered", func() bool {
		n := find()
		return n == nil || n.State == "delivered"
	})
	n := find()
	if n == nil {
		t.Errorf("no notification for the flaky destination %d", destID)
		return
	}
	if n.State != "delivered" || n.Attempts != 4 || n.DeliveredAt == nil || len(n.AttemptLog) != 4 {
		t.Errorf("flaky notification %+v, want delivered after 4 attempts", n)
		return
	}
	for i, at := range n.AttemptLog[:3] {
		if !strings.Contains(at.Error, "503") {
			t.Errorf("attempt %d error %q, want the 503", i+1, at.Error)
		}
	}
	if n.AttemptLog[3].Error != "" {
		t.Errorf("4th attempt error %q, want success", n.AttemptLog[3].Error)
	}
}

// smtpCount is how many messages the SMTP server has stored.
func smtpCount(tb testing.TB, s *smtptest.Server) int {
	tb.Helper()
	mails, _ := s.Messages(tb)
	return len(mails)
}
