package notify

import (
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
		Alert:          sdk.Alert{ID: 5, Kind: sdk.KindRegression, CreatedAt: created.UTC()},
		Project:        sdk.Project{ID: 1, Name: "checkout"},
		Issue: sdk.Issue{ID: 42, Title: "ValueError: bad input", Culprit: "app.main in run", Level: "error", Platform: "python",
			Status: "unresolved", Count: 2, FirstSeen: n.Issue.FirstSeen, LastSeen: n.Issue.LastSeen,
			URL: "http://p.example.com/api/admin/issues/42"},
		Event: sdk.Event{ID: "e1", Environment: "staging", Release: "r9", Tags: []sdk.Tag{{Key: "a", Value: "1"}}},
	}
	if !equalJSON(t, p, want) {
		t.Errorf("BuildPayload =\n%+v\nwant\n%+v", p, want)
	}
	// Without the event: its id comes from the alert, tags are empty, and
	// without a public URL there is no link.
	p = BuildPayload(n, nil, "")
	if p.Event.ID != "e1" || p.Event.Tags == nil || len(p.Event.Tags) != 0 || p.Issue.URL != "" {
		t.Errorf("BuildPayload without event = %+v", p.Event)
	}
}
