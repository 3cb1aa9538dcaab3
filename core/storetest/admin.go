package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// purgeAll runs PurgeDeletedProjects with a small batch until it reports
// nothing left, and returns how many calls it took.
func purgeAll(t *testing.T, s core.Store, limit int) int {
	t.Helper()
	for calls := 1; ; calls++ {
		more, err := s.PurgeDeletedProjects(context.Background(), limit)
		must(t, "PurgeDeletedProjects", err)
		if !more {
			return calls
		}
		if calls > 1000 {
			t.Fatal("PurgeDeletedProjects never reports that it is done")
		}
	}
}

var projectDeletionTests = []test{
	{"HiddenAtOnceThenPurgedInBatches", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		other := MustCreateProject(t, s, "other")
		p := MustCreateProject(t, s, "web")
		var events []*core.Event
		for i := range 7 {
			events = append(events, NewEvent(p.ID, []string{"a", "b", "c"}[i%3]))
		}
		res := MustWrite(t, s, append(events, NewEvent(other.ID, "a"))...)
		must(t, "WriteRejected", s.WriteRejected(ctx, &core.RejectedEvent{ProjectID: p.ID, Reason: "invalid_json: x", Payload: []byte("{")}))
		must(t, "ScheduleProjectDeletion", s.ScheduleProjectDeletion(ctx, p.ID))

		_, err := s.FindProjectByID(ctx, p.ID)
		wantCode(t, "FindProjectByID(scheduled)", err, core.ENOTFOUND)
		ps, err := s.FindProjects(ctx)
		must(t, "FindProjects", err)
		if len(ps) != 1 || ps[0].ID != other.ID {
			t.Fatalf("FindProjects after scheduling a deletion: %+v, want only %q", ps, other.Name)
		}
		k, err := s.FindKey(ctx, p.Keys[0].PublicKey)
		if err == nil && k.RevokedAt == nil {
			t.Fatalf("the key of a deleted project is still active: %+v", k)
		}
		name := "renamed"
		_, err = s.UpdateProject(ctx, p.ID, core.ProjectUpdate{Name: &name})
		wantCode(t, "UpdateProject(scheduled)", err, core.ENOTFOUND)
		wantCode(t, "ScheduleProjectDeletion(twice)", s.ScheduleProjectDeletion(ctx, p.ID), core.ENOTFOUND)
		wantCode(t, "ScheduleProjectDeletion(unknown)", s.ScheduleProjectDeletion(ctx, 424242), core.ENOTFOUND)
		again := MustCreateProject(t, s, "web") // the name is free at once
		if again.ID == p.ID {
			t.Fatalf("a new project reused the id %d of a project being deleted", p.ID)
		}

		// 7 events, 3 issues and 1 rejected event in batches of 2: at
		// least 4+2+1 calls that report more, then the project row.
		if calls := purgeAll(t, s, 2); calls < 8 {
			t.Errorf("purge took %d calls with a batch of 2, want at least 8 (it must work in batches)", calls)
		}
		_, err = s.FindIssueByID(ctx, res[0].IssueID)
		wantCode(t, "FindIssueByID(purged)", err, core.ENOTFOUND)
		_, err = s.FindEventByID(ctx, p.ID, events[0].EventID)
		wantCode(t, "FindEventByID(purged)", err, core.ENOTFOUND)
		if _, err := s.FindKey(ctx, p.Keys[0].PublicKey); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("FindKey after the purge: %v, want ENOTFOUND", err)
		}
		if is := mustIssue(t, s, res[len(res)-1].IssueID); is.Count != 1 {
			t.Errorf("the other project's issue changed: %+v", is)
		}
		if more, err := s.PurgeDeletedProjects(ctx, 2); err != nil || more {
			t.Errorf("PurgeDeletedProjects with nothing to do: %v, %v", more, err)
		}
		// The writer must not remember the purged issues: the same
		// fingerprint in the new project starts a new issue.
		r := MustWrite(t, s, NewEvent(again.ID, "a"))[0]
		if !r.NewIssue || r.IssueID == res[0].IssueID {
			t.Errorf("an event in the project that took the deleted one's name: %+v", r)
		}
	}},
}

var keyAdminTests = []test{
	{"ListAndUpdate", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		k := &core.ProjectKey{Label: "ci"}
		must(t, "CreateKey", s.CreateKey(ctx, p.ID, k))
		must(t, "RevokeKey", s.RevokeKey(ctx, p.ID, p.Keys[0].PublicKey))
		keys, err := s.FindKeys(ctx, p.ID)
		must(t, "FindKeys", err)
		if len(keys) != 2 || keys[0].PublicKey != p.Keys[0].PublicKey || keys[0].RevokedAt == nil || keys[1].PublicKey != k.PublicKey || keys[1].RevokedAt != nil {
			t.Fatalf("FindKeys = %+v, want the revoked default key then ci", keys)
		}
		rate, label := 600, "deploys"
		got, err := s.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{RateLimit: &rate})
		must(t, "UpdateKey", err)
		if got.RateLimit != 600 || got.Label != "ci" || got.PublicKey != k.PublicKey {
			t.Errorf("UpdateKey(rate) = %+v", got)
		}
		got, err = s.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{Label: &label})
		must(t, "UpdateKey", err)
		if got.RateLimit != 600 || got.Label != "deploys" {
			t.Errorf("UpdateKey(label) = %+v", got)
		}
		if found, err := s.FindKey(ctx, k.PublicKey); err != nil || found.RateLimit != 600 || found.Label != "deploys" {
			t.Errorf("FindKey after update: %+v, %v", found, err)
		}
		neg := -1
		_, err = s.UpdateKey(ctx, p.ID, k.PublicKey, core.KeyUpdate{RateLimit: &neg})
		wantCode(t, "UpdateKey(negative)", err, core.EINVALID)
		_, err = s.UpdateKey(ctx, p.ID, p.Keys[0].PublicKey, core.KeyUpdate{RateLimit: &rate})
		wantCode(t, "UpdateKey(revoked)", err, core.ENOTFOUND)
		other := MustCreateProject(t, s, "other")
		_, err = s.UpdateKey(ctx, other.ID, k.PublicKey, core.KeyUpdate{RateLimit: &rate})
		wantCode(t, "UpdateKey(other project)", err, core.ENOTFOUND)
		_, err = s.FindKeys(ctx, 424242)
		wantCode(t, "FindKeys(unknown project)", err, core.ENOTFOUND)
	}},
}

var issueAdminTests = []test{
	{"Merge", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		d := MustCreateDestination(t, s, p.ID, "hook")
		_ = d
		a1, b1, b2, c1 := NewEvent(p.ID, "a"), NewEvent(p.ID, "b"), NewEvent(p.ID, "b"), NewEvent(p.ID, "c")
		c1.Timestamp = a1.Timestamp.Add(2 * time.Hour)  // c is the newest
		b1.Timestamp = a1.Timestamp.Add(-3 * time.Hour) // b the oldest
		res := MustWrite(t, s, a1, b1, b2, c1, NewEvent(other.ID, "x"))
		a, b, c, x := res[0].IssueID, res[1].IssueID, res[3].IssueID, res[4].IssueID

		merged, err := s.MergeIssues(ctx, a, []int64{c, b})
		must(t, "MergeIssues", err)
		if merged.ID != a || merged.Count != 4 || !sameTime(merged.FirstSeen, b1.Timestamp) || !sameTime(merged.LastSeen, c1.Timestamp) ||
			merged.LastEventID != c1.EventID || merged.Fingerprint != "a" {
			t.Errorf("merged issue: %+v, want count 4, first seen of b, last seen and event of c", merged)
		}
		if got := mustIssue(t, s, a); got.Count != 4 || !sameTime(got.LastSeen, c1.Timestamp) {
			t.Errorf("stored merged issue: %+v", got)
		}
		for _, id := range []int64{b, c} {
			_, err := s.FindIssueByID(ctx, id)
			wantCode(t, "FindIssueByID(merged away)", err, core.ENOTFOUND)
		}
		evs, _, err := s.FindEvents(ctx, core.EventFilter{IssueID: a})
		must(t, "FindEvents", err)
		if len(evs) != 4 {
			t.Errorf("the merged issue lists %d events, want 4", len(evs))
		}
		if e, err := s.FindEventByID(ctx, p.ID, b2.EventID); err != nil || e.IssueID != a {
			t.Errorf("an event of a merged issue: %+v, %v; want issue %d", e, err, a)
		}
		hist, err := s.FindIssueHistogram(ctx, a, a1.Timestamp.Add(-24*time.Hour))
		must(t, "FindIssueHistogram", err)
		var total int64
		for _, bk := range hist {
			total += bk.Count
		}
		if total != 4 || len(hist) != 3 {
			t.Errorf("histogram of the merged issue: %+v, want 4 events in 3 hours", hist)
		}
		alerts, err := s.FindAlerts(ctx, p.ID, 10)
		must(t, "FindAlerts", err)
		for _, al := range alerts {
			if al.IssueID != a {
				t.Errorf("alert %d still points at issue %d, want %d", al.ID, al.IssueID, a)
			}
		}

		// Future events of every absorbed fingerprint land in the merged
		// issue, as new events, without a new-issue alert.
		later := MustWrite(t, s, NewEvent(p.ID, "b"), NewEvent(p.ID, "c"), NewEvent(p.ID, "a"))
		for i, r := range later {
			if r.IssueID != a || r.NewIssue || r.AlertID != 0 {
				t.Errorf("event %d after the merge: %+v, want issue %d, not new", i, r, a)
			}
		}
		if got := mustIssue(t, s, a); got.Count != 7 {
			t.Errorf("count after 3 more events: %d, want 7", got.Count)
		}

		// Errors.
		_, err = s.MergeIssues(ctx, a, nil)
		wantCode(t, "MergeIssues(nothing)", err, core.EINVALID)
		_, err = s.MergeIssues(ctx, a, []int64{a})
		wantCode(t, "MergeIssues(into itself)", err, core.EINVALID)
		d1 := MustWrite(t, s, NewEvent(p.ID, "d"))[0].IssueID
		_, err = s.MergeIssues(ctx, a, []int64{d1, d1})
		wantCode(t, "MergeIssues(duplicate)", err, core.EINVALID)
		_, err = s.MergeIssues(ctx, a, []int64{x})
		wantCode(t, "MergeIssues(other project)", err, core.EINVALID)
		_, err = s.MergeIssues(ctx, a, []int64{b})
		wantCode(t, "MergeIssues(gone)", err, core.ENOTFOUND)
		_, err = s.MergeIssues(ctx, 424242, []int64{d1})
		wantCode(t, "MergeIssues(unknown into)", err, core.ENOTFOUND)
		if got := mustIssue(t, s, d1); got.Count != 1 {
			t.Errorf("a refused merge changed issue %d: %+v", d1, got)
		}
	}},
	{"Delete", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		e := NewEvent(p.ID, "a")
		r := MustWrite(t, s, e, NewEvent(p.ID, "b"))
		must(t, "DeleteIssue", s.DeleteIssue(ctx, r[0].IssueID))
		_, err := s.FindIssueByID(ctx, r[0].IssueID)
		wantCode(t, "FindIssueByID(deleted)", err, core.ENOTFOUND)
		_, err = s.FindEventByID(ctx, p.ID, e.EventID)
		wantCode(t, "FindEventByID(of deleted issue)", err, core.ENOTFOUND)
		wantCode(t, "DeleteIssue(twice)", s.DeleteIssue(ctx, r[0].IssueID), core.ENOTFOUND)
		again := MustWrite(t, s, NewEvent(p.ID, "a"))[0]
		if !again.NewIssue || again.IssueID == r[0].IssueID {
			t.Errorf("an event of a deleted issue's fingerprint: %+v, want a new issue", again)
		}
		if got := mustIssue(t, s, r[1].IssueID); got.Count != 1 {
			t.Errorf("the other issue changed: %+v", got)
		}
	}},
	{"Histogram", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		var events []*core.Event
		for i, h := range []int{0, 0, 1, 5, 5, 5} {
			e := NewEvent(p.ID, "a")
			e.Timestamp = base.Truncate(time.Hour).Add(time.Duration(h)*time.Hour + time.Duration(i)*time.Minute)
			events = append(events, e)
		}
		id := MustWrite(t, s, events...)[0].IssueID
		hist, err := s.FindIssueHistogram(ctx, id, base.Truncate(time.Hour).Add(30*time.Minute))
		must(t, "FindIssueHistogram", err)
		h0 := base.Truncate(time.Hour)
		want := []core.Bucket{{Start: h0, Count: 2}, {Start: h0.Add(time.Hour), Count: 1}, {Start: h0.Add(5 * time.Hour), Count: 3}}
		if len(hist) != len(want) {
			t.Fatalf("histogram %+v, want %+v", hist, want)
		}
		for i := range want {
			if !sameTime(hist[i].Start, want[i].Start) || hist[i].Count != want[i].Count {
				t.Errorf("bucket %d: %+v, want %+v", i, hist[i], want[i])
			}
		}
		hist, err = s.FindIssueHistogram(ctx, id, h0.Add(2*time.Hour))
		must(t, "FindIssueHistogram(since)", err)
		if len(hist) != 1 || hist[0].Count != 3 {
			t.Errorf("histogram since hour 2: %+v, want one bucket of 3", hist)
		}
		_, err = s.FindIssueHistogram(ctx, 424242, h0)
		wantCode(t, "FindIssueHistogram(unknown)", err, core.ENOTFOUND)
	}},
	{"Attachment", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		e := NewEvent(p.ID, "a")
		data := bytes.Repeat([]byte("line of a log file\n"), 100)
		e.Attachments = []*core.Attachment{{Filename: "app.log", ContentType: "text/plain", Data: data},
			{Filename: "empty.bin", Data: nil}}
		MustWrite(t, s, e)
		got, err := s.FindEventByID(ctx, p.ID, e.EventID)
		must(t, "FindEventByID", err)
		if len(got.Attachments) != 2 {
			t.Fatalf("attachments %+v", got.Attachments)
		}
		a, err := s.FindAttachment(ctx, p.ID, e.EventID, got.Attachments[0].ID)
		must(t, "FindAttachment", err)
		if !bytes.Equal(a.Data, data) || a.Filename != "app.log" || a.ContentType != "text/plain" || a.Size != int64(len(data)) {
			t.Errorf("attachment: %s %s %d bytes, want app.log", a.Filename, a.ContentType, len(a.Data))
		}
		empty, err := s.FindAttachment(ctx, p.ID, e.EventID, got.Attachments[1].ID)
		must(t, "FindAttachment(empty)", err)
		if empty.Data == nil || len(empty.Data) != 0 {
			t.Errorf("empty attachment data: %v, want non-nil empty", empty.Data)
		}
		other := MustCreateProject(t, s, "other")
		_, err = s.FindAttachment(ctx, other.ID, e.EventID, got.Attachments[0].ID)
		wantCode(t, "FindAttachment(other project)", err, core.ENOTFOUND)
		_, err = s.FindAttachment(ctx, p.ID, e.EventID, got.Attachments[1].ID+1000)
		wantCode(t, "FindAttachment(unknown id)", err, core.ENOTFOUND)
	}},
}

var statsTests = []test{
	{"CountersAddUp", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		hour := time.Now().UTC().Truncate(time.Hour)
		must(t, "AddStats", s.AddStats(ctx, []core.StatsDelta{
			{ProjectID: p.ID, Hour: hour.Add(10 * time.Minute), Accepted: 5, RateLimited: 2, Rejected: map[string]int64{"too_large": 1}},
			{ProjectID: p.ID, Hour: hour, Accepted: 1, Rejected: map[string]int64{"too_large": 2, "invalid": 1}},
			{ProjectID: p.ID, Hour: hour.Add(-3 * time.Hour), Accepted: 7},
			{ProjectID: 424242, Hour: hour, Accepted: 9}, // unknown: dropped
		}))
		must(t, "AddStats(empty)", s.AddStats(ctx, nil))
		e := NewEvent(p.ID, "a")
		e.Received = hour.Add(5 * time.Minute)
		MustWrite(t, s, e)
		must(t, "WriteRejected", s.WriteRejected(ctx, &core.RejectedEvent{ProjectID: p.ID, Received: hour.Add(time.Minute), Reason: "invalid_json: bad", Payload: []byte("x")}))

		st, err := s.FindStats(ctx, core.StatsFilter{ProjectID: p.ID, From: hour.Add(-time.Hour), To: hour.Add(time.Hour)})
		must(t, "FindStats", err)
		if len(st) != 1 {
			t.Fatalf("FindStats = %d hours, want 1: %+v", len(st), st)
		}
		h := st[0]
		if !sameTime(h.Hour, hour) || h.ProjectID != p.ID || h.Accepted != 6 || h.RateLimited != 2 || h.Rejected != 5 || h.Stored != 1 {
			t.Errorf("hour: %+v, want accepted 6, rate limited 2, rejected 5, stored 1", h)
		}
		want := map[string]int64{"too_large": 3, "invalid": 1, "invalid_json": 1}
		if len(h.RejectedBy) != len(want) {
			t.Errorf("rejected by reason %v, want %v", h.RejectedBy, want)
		}
		for k, v := range want {
			if h.RejectedBy[k] != v {
				t.Errorf("rejected by reason %v, want %v", h.RejectedBy, want)
				break
			}
		}
		all, err := s.FindStats(ctx, core.StatsFilter{ProjectID: p.ID})
		must(t, "FindStats(all)", err)
		var hours []time.Time
		for _, h := range all {
			hours = append(hours, h.Hour)
		}
		if !slices.EqualFunc(hours, []time.Time{hour.Add(-3 * time.Hour), hour}, sameTime) {
			t.Errorf("all hours %v, want %v and %v, oldest first", hours, hour.Add(-3*time.Hour), hour)
		}
		none, err := s.FindStats(ctx, core.StatsFilter{ProjectID: 424242})
		must(t, "FindStats(unknown)", err)
		if len(none) != 0 {
			t.Errorf("stats of an unknown project: %+v", none)
		}
	}},
}
