package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var eventTests = []test{
	{"FindEventsNewestFirst", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		var events []*core.Event
		for i := range 7 {
			e := NewEvent(p.ID, "aaaa")
			e.Timestamp = base.Add(time.Duration(i%4) * time.Minute) // ties on purpose
			events = append(events, e)
		}
		res := MustWrite(t, s, events...)
		MustWrite(t, s, NewEvent(p.ID, "other"))
		all, next, err := s.FindEvents(ctx, core.EventFilter{IssueID: res[0].IssueID})
		must(t, "FindEvents", err)
		if len(all) != 7 || next != "" {
			t.Fatalf("FindEvents: %d events, cursor %q; want 7 and none", len(all), next)
		}
		for i, e := range all {
			if i > 0 && e.Timestamp.After(all[i-1].Timestamp) {
				t.Errorf("event %d is newer than event %d", i, i-1)
			}
			if e.Payload != nil || e.Data != nil {
				t.Errorf("FindEvents filled Payload or Data of %s", e.EventID)
			}
			if e.IssueID != res[0].IssueID || e.ProjectID != p.ID || e.Timestamp.Location() != time.UTC || e.Title == "" {
				t.Errorf("event %+v", e)
			}
		}
		var paged []string
		for cursor := ""; ; {
			page, next, err := s.FindEvents(ctx, core.EventFilter{IssueID: res[0].IssueID, Limit: 3, Cursor: cursor})
			must(t, "FindEvents(page)", err)
			for _, e := range page {
				paged = append(paged, e.EventID)
			}
			if cursor = next; cursor == "" || len(paged) > 7 {
				break
			}
		}
		var want []string
		for _, e := range all {
			want = append(want, e.EventID)
		}
		if !slices.Equal(paged, want) {
			t.Errorf("pages of 3: got %v, want %v", paged, want)
		}
		_, _, err = s.FindEvents(ctx, core.EventFilter{IssueID: 424242})
		wantCode(t, "FindEvents(unknown issue)", err, core.ENOTFOUND)
		_, _, err = s.FindEvents(ctx, core.EventFilter{IssueID: res[0].IssueID, Cursor: "garbage"})
		wantCode(t, "FindEvents(bad cursor)", err, core.EINVALID)
	}},
	{"FindEventByIDRoundTrip", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		e := NewEvent(p.ID, "aaaa")
		// Whitespace and key order must survive byte for byte.
		e.Payload = append([]byte("{ \"z\" :1,\n\t\"a\":\"\\u00e9\" , "), e.Payload[1:]...)
		e.Tags = []core.Tag{{Key: "z", Value: "last"}, {Key: "a", Value: "é"}, {Key: "a", Value: "again"}}
		e.Grouping = core.Grouping{DecidedBy: "rule", Name: "db-timeouts", Config: "rules:v1", Hash: "aaaa",
			Components: []byte(`{"values":["db","timeout"]}`), Title: "Database timeouts"}
		e.Attachments = []*core.Attachment{{Filename: "log.txt", ContentType: "text/plain", AttachmentType: "event.attachment", Data: []byte("hello attachment")}}
		MustWrite(t, s, e)
		got, err := s.FindEventByID(ctx, p.ID, e.EventID)
		must(t, "FindEventByID", err)
		if !bytes.Equal(got.Payload, e.Payload) {
			t.Errorf("payload changed:\ngot  %s\nwant %s", got.Payload, e.Payload)
		}
		if !bytes.Equal(got.Data, e.Data) {
			t.Errorf("data changed")
		}
		if !slices.Equal(got.Tags, e.Tags) {
			t.Errorf("tags: got %v, want %v", got.Tags, e.Tags)
		}
		if got.Grouping.DecidedBy != "rule" || got.Grouping.Name != "db-timeouts" || got.Grouping.Config != "rules:v1" ||
			got.Grouping.Hash != "aaaa" || string(got.Grouping.Components) != string(e.Grouping.Components) || got.Grouping.Title != "Database timeouts" {
			t.Errorf("grouping: got %+v, want %+v", got.Grouping, e.Grouping)
		}
		if !sameTime(got.Timestamp, e.Timestamp) || !sameTime(got.Received, e.Received.UTC().Truncate(time.Microsecond)) ||
			got.Title != e.Title || got.Culprit != e.Culprit || got.Level != e.Level || got.Platform != e.Platform ||
			got.Release != e.Release || got.Environment != e.Environment || got.SDKName != e.SDKName || got.SDKVersion != e.SDKVersion {
			t.Errorf("columns: got %+v, want %+v", got, e)
		}
		if len(got.Attachments) != 1 || got.Attachments[0].Filename != "log.txt" || got.Attachments[0].Size != 16 ||
			got.Attachments[0].ContentType != "text/plain" || got.Attachments[0].AttachmentType != "event.attachment" || got.Attachments[0].ID <= 0 {
			t.Errorf("attachments: %+v", got.Attachments)
		}
		if is := mustIssue(t, s, got.IssueID); is.Title != "Database timeouts" {
			t.Errorf("issue title %q, want the rule's title", is.Title)
		}
		other := MustCreateProject(t, s, "other")
		_, err = s.FindEventByID(ctx, other.ID, e.EventID)
		wantCode(t, "FindEventByID(other project)", err, core.ENOTFOUND)
		_, err = s.FindEventByID(ctx, p.ID, NewEventID())
		wantCode(t, "FindEventByID(unknown)", err, core.ENOTFOUND)
	}},
	{"EmptyPayload", func(t *testing.T, s core.Store) {
		p := MustCreateProject(t, s, "web")
		e := NewEvent(p.ID, "aaaa")
		e.Payload, e.Data, e.Tags, e.Grouping.Components = nil, nil, nil, nil
		MustWrite(t, s, e)
		got, err := s.FindEventByID(context.Background(), p.ID, e.EventID)
		must(t, "FindEventByID", err)
		if len(got.Payload) != 0 || len(got.Data) != 0 || len(got.Tags) != 0 || len(got.Grouping.Components) != 0 {
			t.Errorf("empty fields came back as %+v", got)
		}
	}},
}
