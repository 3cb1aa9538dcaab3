package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// agedEvent returns an event of the project in hash, sent at ts and
// received at received.
func agedEvent(projectID int64, hash string, ts, received time.Time) *core.Event {
	e := NewEvent(projectID, hash)
	e.Timestamp, e.Received = ts, received
	return e
}

// drain repeats a retention call with limit until it deletes fewer rows
// than limit, and returns the rows deleted and the calls made.
func drain(tb testing.TB, what string, limit int, call func(limit int) (int, error)) (deleted, calls int) {
	tb.Helper()
	for calls < 1000 {
		n, err := call(limit)
		calls++
		must(tb, what, err)
		if n < 0 || n > limit {
			tb.Fatalf("%s deleted %d rows with a limit of %d", what, n, limit)
		}
		deleted += n
		if n < limit {
			return deleted, calls
		}
	}
	tb.Fatalf("%s never finishes", what)
	return 0, 0
}

// eventExists reports whether FindEventByID finds the event.
func eventExists(tb testing.TB, s core.Store, projectID int64, eventID string) bool {
	tb.Helper()
	_, err := s.FindEventByID(context.Background(), projectID, eventID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return false
	}
	must(tb, "FindEventByID", err)
	return true
}

var retentionTests = []test{
	{"PruneEventsByAgeInBatches", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		cutoff := base.Add(30 * 24 * time.Hour)
		old, recent := cutoff.Add(-time.Hour), cutoff.Add(time.Hour)

		gone := []*core.Event{agedEvent(p.ID, "a", old, old), agedEvent(p.ID, "a", old, old), agedEvent(p.ID, "b", old, old)}
		gone[0].Attachments = []*core.Attachment{{Filename: "app.log", ContentType: "text/plain", Data: []byte("log line")}}
		// Sent long ago but received after the cutoff: received decides.
		late := agedEvent(p.ID, "b", old.Add(-time.Hour), recent)
		kept := []*core.Event{agedEvent(p.ID, "b", recent, recent), late}
		otherOld := agedEvent(other.ID, "a", old, old)
		res := MustWrite(t, s, append(append(append([]*core.Event{}, gone...), kept...), otherOld)...)
		issueA, issueB := res[0].IssueID, res[2].IssueID
		must(t, "WriteRejected", s.WriteRejected(ctx, &core.RejectedEvent{ProjectID: p.ID, Received: old, Reason: "invalid_json: x", Payload: []byte("{")}))
		must(t, "WriteRejected", s.WriteRejected(ctx, &core.RejectedEvent{ProjectID: p.ID, Received: recent, Reason: "invalid_json: x", Payload: []byte("{")}))
		stored, err := s.FindEventByID(ctx, p.ID, gone[0].EventID)
		must(t, "FindEventByID", err)
		if len(stored.Attachments) != 1 {
			t.Fatalf("stored attachments: %+v, want 1", stored.Attachments)
		}

		deleted, calls := drain(t, "PruneEvents", 2, func(limit int) (int, error) {
			return s.PruneEvents(ctx, p.ID, cutoff, limit)
		})
		if deleted != 4 { // three events and one rejected event
			t.Errorf("PruneEvents deleted %d rows, want 4 (3 events, 1 rejected event)", deleted)
		}
		if calls < 3 {
			t.Errorf("PruneEvents took %d calls with a limit of 2, want at least 3 (it must work in batches)", calls)
		}
		for _, e := range gone {
			if eventExists(t, s, p.ID, e.EventID) {
				t.Errorf("event received %v is still there after pruning before %v", e.Received, cutoff)
			}
		}
		for _, e := range kept {
			if !eventExists(t, s, p.ID, e.EventID) {
				t.Errorf("event received %v (sent %v) was pruned; the cutoff is %v", e.Received, e.Timestamp, cutoff)
			}
		}
		if !eventExists(t, s, other.ID, otherOld.EventID) {
			t.Error("pruning one project deleted another project's event")
		}
		_, err = s.FindAttachment(ctx, p.ID, gone[0].EventID, stored.Attachments[0].ID)
		wantCode(t, "FindAttachment(pruned event)", err, core.ENOTFOUND)
		// Issues keep what they have seen: count is events seen, not kept.
		if a := mustIssue(t, s, issueA); a.Count != 2 {
			t.Errorf("issue a count after pruning: %d, want 2 (events seen)", a.Count)
		}
		if b := mustIssue(t, s, issueB); b.Count != 3 {
			t.Errorf("issue b count after pruning: %d, want 3 (events seen)", b.Count)
		}
		if n, err := s.PruneEvents(ctx, p.ID, cutoff, 2); err != nil || n != 0 {
			t.Errorf("PruneEvents with nothing left: %d, %v; want 0, nil", n, err)
		}
	}},
	{"PruneIssuesWithoutEvents", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		cutoff := base.Add(30 * 24 * time.Hour)
		old, recent := cutoff.Add(-time.Hour), cutoff.Add(time.Hour)
		res := MustWrite(t, s,
			agedEvent(p.ID, "a", old, old), agedEvent(p.ID, "a", old, old), // empty and old: goes
			agedEvent(p.ID, "b", old, old), agedEvent(p.ID, "b", recent, recent), // keeps an event
			agedEvent(p.ID, "c", recent, old), // empty, but last seen after the cutoff
			agedEvent(p.ID, "d", old, old), agedEvent(p.ID, "e", old, old))
		issueA, issueB, issueC, issueD, issueE := res[0].IssueID, res[2].IssueID, res[4].IssueID, res[5].IssueID, res[6].IssueID
		drain(t, "PruneEvents", 10, func(limit int) (int, error) { return s.PruneEvents(ctx, p.ID, cutoff, limit) })

		deleted, calls := drain(t, "PruneIssues", 2, func(limit int) (int, error) {
			return s.PruneIssues(ctx, p.ID, cutoff, limit)
		})
		if deleted != 3 || calls < 2 {
			t.Errorf("PruneIssues deleted %d issues in %d calls with a limit of 2, want 3 (a, d, e) in at least 2", deleted, calls)
		}
		for _, id := range []int64{issueA, issueD, issueE} {
			_, err := s.FindIssueByID(ctx, id)
			wantCode(t, "FindIssueByID(pruned issue)", err, core.ENOTFOUND)
		}
		if b := mustIssue(t, s, issueB); b.Count != 2 {
			t.Errorf("issue with a remaining event: count %d, want 2", b.Count)
		}
		mustIssue(t, s, issueC)
		// The fingerprint went with the issue: the next event starts a new one.
		r := MustWrite(t, s, agedEvent(p.ID, "a", recent, recent))[0]
		if !r.NewIssue || r.IssueID == issueA {
			t.Errorf("an event of a pruned issue's fingerprint: %+v, want a new issue (not %d)", r, issueA)
		}
		r = MustWrite(t, s, agedEvent(p.ID, "b", recent, recent))[0]
		if r.NewIssue || r.IssueID != issueB {
			t.Errorf("an event of a kept issue's fingerprint: %+v, want issue %d", r, issueB)
		}
	}},
	{"PruneIssuesWaitsForPendingNotifications", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		MustCreateDestination(t, s, p.ID, "hook")
		cutoff := base.Add(30 * 24 * time.Hour)
		old := cutoff.Add(-time.Hour)
		res := MustWrite(t, s, agedEvent(p.ID, "a", old, old))
		if res[0].AlertID == 0 {
			t.Fatal("a new issue with a destination raised no alert")
		}
		drain(t, "PruneEvents", 10, func(limit int) (int, error) { return s.PruneEvents(ctx, p.ID, cutoff, limit) })
		if n, err := s.PruneIssues(ctx, p.ID, cutoff, 10); err != nil || n != 0 {
			t.Fatalf("PruneIssues with a pending notification: %d, %v; want 0, nil", n, err)
		}
		mustIssue(t, s, res[0].IssueID)
		alerts, err := s.FindAlerts(ctx, p.ID, 10)
		must(t, "FindAlerts", err)
		if len(alerts) != 1 || len(alerts[0].Notifications) != 1 {
			t.Fatalf("alerts: %+v, want one with one notification", alerts)
		}
		must(t, "RecordAttempt", s.RecordAttempt(ctx, alerts[0].Notifications[0].ID, core.Attempt{At: time.Now()}))
		if n, err := s.PruneIssues(ctx, p.ID, cutoff, 10); err != nil || n != 1 {
			t.Fatalf("PruneIssues once delivered: %d, %v; want 1, nil", n, err)
		}
		_, err = s.FindIssueByID(ctx, res[0].IssueID)
		wantCode(t, "FindIssueByID(pruned issue)", err, core.ENOTFOUND)
		if alerts, err = s.FindAlerts(ctx, p.ID, 10); err != nil || len(alerts) != 0 {
			t.Errorf("alerts of a pruned issue: %+v, %v; want none", alerts, err)
		}
	}},
	{"CapKeepsTheNewest", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		// Written out of received order: the cap goes by received time.
		order := []int{3, 0, 6, 1, 5, 2, 4}
		events := make([]*core.Event, len(order))
		for i, k := range order {
			at := base.Add(time.Duration(k) * time.Minute)
			events[i] = agedEvent(p.ID, []string{"a", "b"}[k%2], at, at)
		}
		events[1].Attachments = []*core.Attachment{{Filename: "app.log", Data: []byte("x")}} // k = 0, the oldest
		res := MustWrite(t, s, events...)
		otherEvents := []*core.Event{NewEvent(other.ID, "a"), NewEvent(other.ID, "a")}
		MustWrite(t, s, otherEvents...)
		stored, err := s.FindEventByID(ctx, p.ID, events[1].EventID)
		must(t, "FindEventByID", err)

		deleted, calls := drain(t, "CapEvents", 2, func(limit int) (int, error) {
			return s.CapEvents(ctx, p.ID, 3, limit)
		})
		if deleted != 4 || calls < 3 {
			t.Errorf("CapEvents(keep 3) of 7 events deleted %d in %d calls with a limit of 2, want 4 in at least 3", deleted, calls)
		}
		for i, k := range order {
			if got, want := eventExists(t, s, p.ID, events[i].EventID), k >= 4; got != want {
				t.Errorf("event %d of 7 by received time: kept %t, want %t", k+1, got, want)
			}
		}
		for _, e := range otherEvents {
			if !eventExists(t, s, other.ID, e.EventID) {
				t.Error("capping one project deleted another project's event")
			}
		}
		_, err = s.FindAttachment(ctx, p.ID, events[1].EventID, stored.Attachments[0].ID)
		wantCode(t, "FindAttachment(capped event)", err, core.ENOTFOUND)
		if a := mustIssue(t, s, res[1].IssueID); a.Count != 4 {
			t.Errorf("issue count after the cap: %d, want 4 (events seen)", a.Count)
		}
		if n, err := s.CapEvents(ctx, p.ID, 3, 2); err != nil || n != 0 {
			t.Errorf("CapEvents at the cap: %d, %v; want 0, nil", n, err)
		}
		if n, err := s.CapEvents(ctx, p.ID, 0, 10); err != nil || n != 3 {
			t.Errorf("CapEvents(keep 0): %d, %v; want 3, nil", n, err)
		}
	}},
}
