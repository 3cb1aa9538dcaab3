package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

// WriteManyEvents writes n events (NewEvent) to project in batches of 50,
// spread over 20 hashes, each with grouping components of its own, and
// returns them: enough for a store that compresses a project's events with
// a dictionary trained from its first ones to train and use it.
func WriteManyEvents(tb testing.TB, s core.Store, project int64, n int) []*core.Event {
	tb.Helper()
	var all []*core.Event
	for len(all) < n {
		var batch []*core.Event
		for i := 0; i < 50 && len(all)+len(batch) < n; i++ {
			k := len(all) + len(batch)
			e := NewEvent(project, fmt.Sprintf("h%02d", k%20))
			e.Grouping.Components = fmt.Appendf(nil, `{"variant":"app","values":["handleH%02d","event %d"]}`, k%20, k)
			batch = append(batch, e)
		}
		MustWrite(tb, s, batch...)
		all = append(all, batch...)
	}
	return all
}

// CheckEventsReadBack reads every event back by id and through its issue's
// event list: payload byte for byte, grouping components, columns.
func CheckEventsReadBack(tb testing.TB, s core.Store, events []*core.Event) {
	tb.Helper()
	ctx := context.Background()
	listed := map[string]*core.Event{}
	for _, want := range events {
		got, err := s.FindEventByID(ctx, want.ProjectID, want.EventID)
		if err != nil {
			tb.Fatalf("FindEventByID(%s): %v", want.EventID, err)
		}
		if !bytes.Equal(got.Payload, want.Payload) || string(got.Grouping.Components) != string(want.Grouping.Components) ||
			got.Title != want.Title || got.Grouping.Hash != want.Grouping.Hash {
			tb.Fatalf("event %s read back as payload %q components %q title %q, want %q %q %q", want.EventID,
				got.Payload, got.Grouping.Components, got.Title, want.Payload, want.Grouping.Components, want.Title)
		}
		if _, ok := listed[want.EventID]; !ok {
			cursor := ""
			for {
				page, next, err := s.FindEvents(ctx, core.EventFilter{IssueID: got.IssueID, Limit: 100, Cursor: cursor})
				if err != nil {
					tb.Fatalf("FindEvents: %v", err)
				}
				for _, e := range page {
					listed[e.EventID] = e
				}
				if cursor = next; cursor == "" {
					break
				}
			}
		}
		if l := listed[want.EventID]; l == nil || string(l.Grouping.Components) != string(want.Grouping.Components) {
			tb.Fatalf("event %s listed as %+v, want components %s", want.EventID, l, want.Grouping.Components)
		}
	}
}

var eventBodyTests = []test{
	{"ManyEventsReadBack", func(t *testing.T, s core.Store) {
		// A store may compress a project's bodies with a dictionary trained
		// from its first events: before, during and after, every event reads
		// back as written, and another project's are unaffected.
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		events := WriteManyEvents(t, s, p.ID, 300)
		events = append(events, WriteManyEvents(t, s, other.ID, 30)...)
		CheckEventsReadBack(t, s, events)
	}},
}

// LogBuffer collects what a logger writes in a test (a store's, a server's
// or a child process's); Write and String are safe for concurrent use.
// Tests outside the store packages use it too, so there is one such sink.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// DictionaryNotSaved: on a store whose saving of dictionaries the caller
// made fail, a project's events are all stored and read back (compressed
// without a dictionary), and the failure is logged to logs, not dropped.
func DictionaryNotSaved(t *testing.T, s core.Store, logs *LogBuffer) {
	t.Helper()
	p := MustCreateProject(t, s, "web")
	events := WriteManyEvents(t, s, p.ID, 200)
	CheckEventsReadBack(t, s, events)
	if got := logs.String(); !strings.Contains(got, "no new compression dictionary") || !strings.Contains(got, "level=WARN") {
		t.Errorf("the failed dictionary save was not logged as a warning; the log holds:\n%s", got)
	}
}
