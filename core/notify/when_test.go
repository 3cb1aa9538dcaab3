package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

func TestWhen(t *testing.T) {
	n := sdktest.SampleNotification(0) // new_issue, error, production, Firefox, count 3
	for src, want := range map[string]bool{
		"":                                  true,
		"true":                              true,
		`alert.kind == "new_issue"`:         true,
		`alert.kind == "regression"`:        false,
		`issue.level in ["error", "fatal"]`: true,
		`issue.count >= 10`:                 false,
		`event.environment == "production" && event.tags["browser"] contains "Firefox"`: true,
		`event.tags["missing"] == ""`:               true,
		`project.name matches "^check"`:             true,
		`issue.first_seen < issue.last_seen`:        true,
		`now() - issue.first_seen > duration("1h")`: true,
		`event.release startsWith "checkout@1."`:    true,
	} {
		w, err := CompileWhen(src)
		if err != nil {
			t.Errorf("CompileWhen(%q): %v", src, err)
			continue
		}
		if got, err := w.Match(n); err != nil || got != want {
			t.Errorf("%q = %v, %v; want %v", src, got, err, want)
		}
	}
}

func TestWhenCompileErrorsNameTheField(t *testing.T) {
	for _, src := range []string{
		`issue.levle == "error"`, // typo in a field
		`issue.count == "3"`,     // type mismatch
		`issue.level`,            // not a bool
		`alert.kind ==`,          // syntax
	} {
		_, err := CompileWhen(src)
		e, ok := err.(*core.Error)
		if !ok || e.Code != core.EINVALID || e.Field != "when" {
			t.Errorf("CompileWhen(%q) = %v, want EINVALID naming when", src, err)
			continue
		}
		if src != `issue.level` && !strings.Contains(e.Message, "(1:") {
			t.Errorf("CompileWhen(%q) message %q lacks a line:column", src, e.Message)
		}
	}
}

func TestBuildPayload(t *testing.T) {
	created := time.Date(2025, 5, 6, 7, 8, 9, 0, time.FixedZone("X", 3600))
	n := &core.Notification{
		ID: 11, IdempotencyKey: "k-11",
		Alert:   &core.Alert{ID: 5, Kind: core.AlertRegression, EventID: "e1", CreatedAt: created},
		Issue:   testIssue(),
		Project: &core.Project{ID: 1, Name: "checkout"},
	}
	ev := &core.Event{EventID: "e1", Environment: "staging", Release: "r9", Tags: []core.Tag{{Key: "a", Value: "1"}}}
	p := BuildPayload(n, ev, "http://p.example.com")
	want := sdk.Notification{
		IdempotencyKey: "k-11",
		IssueURL:       "http://p.example.com/issues/42",
		Alert:          sdk.Alert{ID: 5, Kind: sdk.KindRegression, CreatedAt: created.UTC()},
		Project:        sdk.Project{ID: 1, Name: "checkout"},
		Issue: sdk.Issue{ID: 42, Title: "ValueError: bad input", Culprit: "app.main in run", Level: "error", Platform: "python",
			Status: "unresolved", Count: 2, FirstSeen: n.Issue.FirstSeen, LastSeen: n.Issue.LastSeen,
			URL: "http://p.example.com/issues/42"},
		Event: sdk.Event{ID: "e1", Environment: "staging", Release: "r9", Tags: []sdk.Tag{{Key: "a", Value: "1"}}},
	}
	if !equalJSON(t, p, want) {
		t.Errorf("BuildPayload =\n%+v\nwant\n%+v", p, want)
	}
	// Without the event: its id comes from the alert, tags are empty, and
	// without a public URL there is no link.
	p = BuildPayload(n, nil, "")
	if p.Event.ID != "e1" || p.Event.Tags == nil || len(p.Event.Tags) != 0 || p.Issue.URL != "" || p.IssueURL != "" || p.Event.Exception != nil {
		t.Errorf("BuildPayload without event = %+v", p.Event)
	}
}

// TestBuildPayloadException checks that the payload carries what a person
// needs to act: the raised exception's type, value and module, its top
// in-app frames newest first (at most sdk.MaxFrames, library frames left
// out), and the message; from the stored payload when the store keeps no
// normalized data.
func TestBuildPayloadException(t *testing.T) {
	n := &core.Notification{
		ID: 12, IdempotencyKey: "k-12",
		Alert:   &core.Alert{ID: 6, Kind: core.AlertNewIssue, EventID: "0123456789abcdef0123456789abcdef", CreatedAt: time.Now()},
		Issue:   testIssue(),
		Project: &core.Project{ID: 1, Name: "checkout"},
	}
	var frames []string
	for i := 1; i <= 8; i++ {
		frames = append(frames, fmt.Sprintf(`{"function":"app%d","module":"app.m%d","filename":"app/m%d.py","lineno":%d,"in_app":true}`, i, i, i, i*10))
		frames = append(frames, fmt.Sprintf(`{"function":"lib%d","module":"lib","filename":"lib.py","lineno":%d,"in_app":false}`, i, i))
	}
	payload := `{"event_id":"0123456789abcdef0123456789abcdef","platform":"python","message":"checkout failed",
		"exception":{"values":[{"type":"KeyError","value":"cause"},
		{"type":"ValueError","value":"bad input: 42","module":"builtins","stacktrace":{"frames":[` + strings.Join(frames, ",") + `]}}]}}`
	ev := &core.Event{EventID: n.Alert.EventID, Environment: "production", Release: "app@2", Payload: json.RawMessage(payload)}
	p := BuildPayload(n, ev, "https://periscope.example.com/")
	if p.IssueURL != "https://periscope.example.com/issues/42" || p.Issue.URL != p.IssueURL {
		t.Errorf("links = %q, %q; want https://periscope.example.com/issues/42 for both", p.IssueURL, p.Issue.URL)
	}
	x := p.Event.Exception
	if x == nil || x.Type != "ValueError" || x.Value != "bad input: 42" || x.Module != "builtins" {
		t.Fatalf("exception = %+v, want the raised ValueError", x)
	}
	if len(x.Frames) != sdk.MaxFrames {
		t.Fatalf("%d frames, want %d: %+v", len(x.Frames), sdk.MaxFrames, x.Frames)
	}
	for i, f := range x.Frames {
		k := 8 - i // newest first
		want := sdk.Frame{Function: fmt.Sprintf("app%d", k), Filename: fmt.Sprintf("app/m%d.py", k), Module: fmt.Sprintf("app.m%d", k), Lineno: k * 10}
		if f != want {
			t.Errorf("frame %d = %+v, want %+v", i, f, want)
		}
	}
	if p.Event.Message != "checkout failed" || p.Event.Environment != "production" || p.Event.Release != "app@2" || p.Issue.Count != 2 {
		t.Errorf("event = %+v, issue count %d", p.Event, p.Issue.Count)
	}

	// The stored normalized data is used when there is some; a message
	// event has no exception.
	ev = &core.Event{EventID: n.Alert.EventID, Data: json.RawMessage(`{"logentry":{"formatted":"disk full"},"exception":[]}`)}
	if p := BuildPayload(n, ev, ""); p.Event.Message != "disk full" || p.Event.Exception != nil {
		t.Errorf("message event = %+v", p.Event)
	}
	// Without any in-app frame, the newest frames stand in.
	ev = &core.Event{EventID: n.Alert.EventID, Payload: json.RawMessage(`{"exception":[{"type":"E","stacktrace":{"frames":[{"function":"a","lineno":1},{"function":"b","lineno":2}]}}]}`)}
	if p := BuildPayload(n, ev, ""); p.Event.Exception == nil || len(p.Event.Exception.Frames) != 2 || p.Event.Exception.Frames[0].Function != "b" {
		t.Errorf("no in-app frames: %+v", p.Event.Exception)
	}
	// A payload that cannot be read leaves the exception out, nothing else.
	ev = &core.Event{EventID: n.Alert.EventID, Environment: "e", Payload: json.RawMessage(`not json`)}
	if p := BuildPayload(n, ev, ""); p.Event.Exception != nil || p.Event.Environment != "e" {
		t.Errorf("unreadable payload: %+v", p.Event)
	}
}
