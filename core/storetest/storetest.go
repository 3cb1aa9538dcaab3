package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Open returns a fresh, empty, migrated store for one test and registers
// its Close with tb.Cleanup.
type Open func(tb testing.TB) core.Store

// Run runs every behavioural test of the Store contract as a subtest of t,
// each against a store from open.
func Run(t *testing.T, open Open) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Project", projectTests},
		{"Key", keyTests},
		{"WriteEvents", writeTests},
		{"Text", textTests},
		{"Issue", issueTests},
		{"Event", eventTests},
		{"EventBody", eventBodyTests},
		{"Destination", destinationTests},
		{"Notification", notificationTests},
		{"DestinationAdmin", destinationAdminTests},
		{"AlertAdmin", alertAdminTests},
		{"Threshold", thresholdTests},
		{"ProjectDeletion", projectDeletionTests},
		{"KeyAdmin", keyAdminTests},
		{"IssueAdmin", issueAdminTests},
		{"Stats", statsTests},
		{"Retention", retentionTests},
		{"GroupingConfig", groupingConfigTests},
		{"Fingerprint", fingerprintTests},
		{"User", userTests},
		{"SourceMap", sourceMapTests},
		{"Search", searchTests},
		{"Ping", []test{{"Current", testPing}}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
			}
		})
	}
}

type test struct {
	name string
	fn   func(t *testing.T, s core.Store)
}

func testPing(t *testing.T, s core.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping on a migrated store: %v", err)
	}
}

// MustCreateProject creates a project named name in s or fails tb.
func MustCreateProject(tb testing.TB, s core.Store, name string) *core.Project {
	tb.Helper()
	p := &core.Project{Name: name}
	if err := s.CreateProject(context.Background(), p); err != nil {
		tb.Fatalf("CreateProject(%q): %v", name, err)
	}
	return p
}

// MustWrite stores events in one batch or fails tb.
func MustWrite(tb testing.TB, s core.Store, events ...*core.Event) []core.WriteResult {
	tb.Helper()
	batch := make([]*core.EventWrite, len(events))
	for i, e := range events {
		batch[i] = &core.EventWrite{Event: e}
	}
	res, err := s.WriteEvents(context.Background(), batch)
	if err != nil {
		tb.Fatalf("WriteEvents: %v", err)
	}
	if len(res) != len(events) {
		tb.Fatalf("WriteEvents: got %d results for %d events", len(res), len(events))
	}
	return res
}

// MustCreateDestination creates a destination or fails tb.
func MustCreateDestination(tb testing.TB, s core.Store, projectID int64, name string) *core.Destination {
	tb.Helper()
	d := &core.Destination{ProjectID: projectID, Name: name, Plugin: "webhook",
		Config: map[string]any{"url": "https://example.com/hook", "timeout": 5.0}}
	if err := s.CreateDestination(context.Background(), d); err != nil {
		tb.Fatalf("CreateDestination(%q): %v", name, err)
	}
	return d
}

// wantCode fails tb unless err carries code.
func wantCode(tb testing.TB, what string, err error, code string) {
	tb.Helper()
	if got := core.ErrorCode(err); got != code {
		tb.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func must(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

func mustIssue(tb testing.TB, s core.Store, id int64) *core.Issue {
	tb.Helper()
	is, err := s.FindIssueByID(context.Background(), id)
	if err != nil {
		tb.Fatalf("FindIssueByID(%d): %v", id, err)
	}
	return is
}

// base is a fixed past time for event timestamps, at microsecond precision.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func sameTime(a, b time.Time) bool { return a.Equal(b) && a.Location() == time.UTC }
