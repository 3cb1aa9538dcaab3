package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var writeTests = []test{
	{"NewIssueAlertsEveryDestination", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		d1 := MustCreateDestination(t, s, p.ID, "hook")
		dg := MustCreateDestination(t, s, 0, "everyone")
		MustCreateDestination(t, s, other.ID, "not-mine")
		e := NewEvent(p.ID, "aaaa")
		res := MustWrite(t, s, e)[0]
		if !res.NewIssue || res.Duplicate || res.Regressed || res.IssueID <= 0 || res.AlertID <= 0 {
			t.Fatalf("result %+v, want a new issue with an alert", res)
		}
		is := mustIssue(t, s, res.IssueID)
		if is.ProjectID != p.ID || is.Fingerprint != "aaaa" || is.Count != 1 || is.Status != core.StatusUnresolved ||
			is.Title != e.Title || is.Culprit != e.Culprit || is.Level != e.Level || is.Platform != "go" ||
			!sameTime(is.FirstSeen, e.Timestamp) || !sameTime(is.LastSeen, e.Timestamp) || is.LastEventID != e.EventID {
			t.Errorf("issue %+v does not match its event %+v", is, e)
		}
		alerts, err := s.FindAlerts(ctx, p.ID, 0)
		must(t, "FindAlerts", err)
		if len(alerts) != 1 {
			t.Fatalf("%d alerts, want 1", len(alerts))
		}
		a := alerts[0]
		if a.ID != res.AlertID || a.Kind != core.AlertNewIssue || a.IssueID != res.IssueID || a.EventID != e.EventID || a.CreatedAt.IsZero() {
			t.Errorf("alert %+v", a)
		}
		if len(a.Notifications) != 2 {
			t.Fatalf("%d notifications, want one for %q and one for the global %q", len(a.Notifications), d1.Name, dg.Name)
		}
		keys := map[string]bool{}
		for i, n := range a.Notifications {
			if want := []int64{d1.ID, dg.ID}[i]; n.DestinationID != want || n.AlertID != a.ID {
				t.Errorf("notification %d: %+v, want destination %d", i, n, want)
			}
			if n.State != core.NotificationPending || n.Attempts != 0 || n.IdempotencyKey == "" || keys[n.IdempotencyKey] {
				t.Errorf("notification %+v: want pending, no attempts, a unique idempotency key", n)
			}
			keys[n.IdempotencyKey] = true
		}
		if alerts, _ := s.FindAlerts(ctx, other.ID, 0); len(alerts) != 0 {
			t.Errorf("the other project got %d alerts", len(alerts))
		}
	}},
	{"SameHashSameIssue", func(t *testing.T, s core.Store) {
		p := MustCreateProject(t, s, "web")
		MustCreateDestination(t, s, p.ID, "hook")
		e1, e2 := NewEvent(p.ID, "aaaa"), NewEvent(p.ID, "aaaa")
		e2.Timestamp = e1.Timestamp.Add(time.Minute)
		e2.Title, e2.Level, e2.Environment, e2.Release = "newer title", core.LevelWarning, "staging", "shop@2"
		r1 := MustWrite(t, s, e1)[0]
		r2 := MustWrite(t, s, e2)[0]
		if r2.IssueID != r1.IssueID || r2.NewIssue || r2.Duplicate || r2.AlertID != 0 {
			t.Fatalf("second event: %+v, want the same issue %d, no alert", r2, r1.IssueID)
		}
		is := mustIssue(t, s, r1.IssueID)
		if is.Count != 2 || !sameTime(is.FirstSeen, e1.Timestamp) || !sameTime(is.LastSeen, e2.Timestamp) ||
			is.LastEventID != e2.EventID || is.Title != "newer title" || is.Level != core.LevelWarning {
			t.Errorf("issue after two events: %+v", is)
		}
		// An older event counts but does not move last_seen or the title.
		e0 := NewEvent(p.ID, "aaaa")
		e0.Timestamp, e0.Title = e1.Timestamp.Add(-time.Hour), "oldest title"
		MustWrite(t, s, e0)
		is = mustIssue(t, s, r1.IssueID)
		if is.Count != 3 || !sameTime(is.FirstSeen, e0.Timestamp) || !sameTime(is.LastSeen, e2.Timestamp) || is.Title != "newer title" {
			t.Errorf("issue after an older event: %+v", is)
		}
		issues, _, err := s.FindIssues(context.Background(), core.IssueFilter{ProjectID: p.ID, Environment: "staging", Release: "shop@2"})
		must(t, "FindIssues", err)
		if len(issues) != 1 {
			t.Errorf("filter by the newest event's environment and release: %d issues, want 1", len(issues))
		}
		alerts, _ := s.FindAlerts(context.Background(), p.ID, 0)
		if len(alerts) != 1 {
			t.Errorf("%d alerts, want only the new-issue one", len(alerts))
		}
	}},
	{"DuplicateEventID", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		e := NewEvent(p.ID, "aaaa")
		r1 := MustWrite(t, s, e)[0]
		again := *e
		again.Payload = []byte(`{"changed":true}`)
		r2 := MustWrite(t, s, &again)[0]
		if !r2.Duplicate || r2.IssueID != r1.IssueID || r2.NewIssue || r2.AlertID != 0 {
			t.Fatalf("same event_id again: %+v, want Duplicate of issue %d", r2, r1.IssueID)
		}
		if is := mustIssue(t, s, r1.IssueID); is.Count != 1 {
			t.Errorf("count after a duplicate: %d, want 1", is.Count)
		}
		got, err := s.FindEventByID(ctx, p.ID, e.EventID)
		must(t, "FindEventByID", err)
		if string(got.Payload) != string(e.Payload) {
			t.Error("a duplicate replaced the stored payload")
		}
		// Within one batch, and with a hash never seen: no issue is created.
		e3 := NewEvent(p.ID, "bbbb")
		dupNew := NewEvent(p.ID, "never-seen")
		dupNew.EventID = e.EventID
		copy3 := *e3
		res := MustWrite(t, s, e3, &copy3, dupNew)
		if res[0].Duplicate || !res[1].Duplicate || res[1].IssueID != res[0].IssueID || !res[2].Duplicate || res[2].IssueID != r1.IssueID {
			t.Fatalf("batch with duplicates: %+v", res)
		}
		if is := mustIssue(t, s, res[0].IssueID); is.Count != 1 {
			t.Errorf("count after an in-batch duplicate: %d, want 1", is.Count)
		}
		issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID})
		must(t, "FindIssues", err)
		if len(issues) != 2 {
			t.Errorf("%d issues, want 2 (a duplicate must not create one)", len(issues))
		}
		// The same event_id in another project is another event.
		o := *e
		o.ProjectID = other.ID
		if r := MustWrite(t, s, &o)[0]; r.Duplicate || !r.NewIssue {
			t.Errorf("same event_id in another project: %+v, want stored", r)
		}
	}},
	{"Regression", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		d := MustCreateDestination(t, s, p.ID, "hook")
		r1 := MustWrite(t, s, NewEvent(p.ID, "aaaa"))[0]
		resolved := core.StatusResolved
		_, err := s.UpdateIssue(ctx, r1.IssueID, core.IssueUpdate{Status: &resolved})
		must(t, "UpdateIssue(resolve)", err)
		e2, e3 := NewEvent(p.ID, "aaaa"), NewEvent(p.ID, "aaaa")
		res := MustWrite(t, s, e2, e3)
		if !res[0].Regressed || res[0].AlertID == 0 || res[0].NewIssue || res[0].IssueID != r1.IssueID {
			t.Fatalf("first event after resolve: %+v, want Regressed with an alert", res[0])
		}
		if res[1].Regressed || res[1].AlertID != 0 {
			t.Errorf("second event of the same batch: %+v, want no second regression", res[1])
		}
		is := mustIssue(t, s, r1.IssueID)
		if is.Status != core.StatusUnresolved || is.ResolvedAt != nil || is.Count != 3 {
			t.Errorf("regressed issue: %+v", is)
		}
		if r := MustWrite(t, s, NewEvent(p.ID, "aaaa"))[0]; r.Regressed || r.AlertID != 0 {
			t.Errorf("event on the reopened issue: %+v, want nothing", r)
		}
		alerts, err := s.FindAlerts(ctx, p.ID, 0)
		must(t, "FindAlerts", err)
		if len(alerts) != 2 || alerts[0].Kind != core.AlertRegression || alerts[0].EventID != e2.EventID || alerts[1].Kind != core.AlertNewIssue {
			t.Fatalf("alerts newest first: %+v, want regression then new_issue", alerts)
		}
		if len(alerts[0].Notifications) != 1 || alerts[0].Notifications[0].DestinationID != d.ID {
			t.Errorf("regression notifications: %+v", alerts[0].Notifications)
		}
	}},
	{"Ignored", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		r := MustWrite(t, s, NewEvent(p.ID, "aaaa"))[0]
		two := int64(2)
		is, err := s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{IgnoreCount: &two})
		must(t, "UpdateIssue(ignore 2 more)", err)
		if is.Status != core.StatusIgnored || is.IgnoreCount != 3 {
			t.Fatalf("ignored issue: %+v, want ignored until count 3", is)
		}
		MustWrite(t, s, NewEvent(p.ID, "aaaa"))
		if is := mustIssue(t, s, r.IssueID); is.Status != core.StatusIgnored {
			t.Fatalf("after 1 of 2 events: status %q, want ignored", is.Status)
		}
		res := MustWrite(t, s, NewEvent(p.ID, "aaaa"))[0]
		if is := mustIssue(t, s, r.IssueID); is.Status != core.StatusUnresolved || is.IgnoreCount != 0 || is.Count != 3 {
			t.Fatalf("after 2 of 2 events: %+v, want unresolved", is)
		}
		if res.Regressed {
			t.Error("an ignored issue coming back is not a regression")
		}

		past := time.Now().Add(-time.Minute)
		ignored := core.StatusIgnored
		_, err = s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{Status: &ignored, IgnoreUntil: &past})
		must(t, "UpdateIssue(ignore until)", err)
		MustWrite(t, s, NewEvent(p.ID, "aaaa"))
		if is := mustIssue(t, s, r.IssueID); is.Status != core.StatusUnresolved || is.IgnoreUntil != nil {
			t.Fatalf("event after ignore_until: %+v, want unresolved", is)
		}

		_, err = s.UpdateIssue(ctx, r.IssueID, core.IssueUpdate{Status: &ignored})
		must(t, "UpdateIssue(ignore forever)", err)
		MustWrite(t, s, NewEvent(p.ID, "aaaa"), NewEvent(p.ID, "aaaa"))
		if is := mustIssue(t, s, r.IssueID); is.Status != core.StatusIgnored || is.Count != 6 {
			t.Fatalf("ignored forever after 2 events: %+v, want still ignored, count 6", is)
		}
	}},
	{"ManyIssuesInOneBatch", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		MustCreateDestination(t, s, 0, "global")
		var events []*core.Event
		for i := range 60 {
			events = append(events, NewEvent(p.ID, fmt.Sprintf("hash%02d", i%12)))
		}
		res := MustWrite(t, s, events...)
		ids := map[string]int64{}
		newCount := 0
		for i, r := range res {
			h := events[i].Grouping.Hash
			if id, ok := ids[h]; ok && id != r.IssueID {
				t.Fatalf("event %d of %s: issue %d, earlier %d", i, h, r.IssueID, id)
			}
			ids[h] = r.IssueID
			if r.NewIssue {
				newCount++
				if i >= 12 || r.AlertID == 0 {
					t.Errorf("event %d: NewIssue with alert %d; want only the first event of each hash", i, r.AlertID)
				}
			}
		}
		if len(ids) != 12 || newCount != 12 {
			t.Fatalf("%d issues, %d NewIssue results; want 12 and 12", len(ids), newCount)
		}
		for h, id := range ids {
			if is := mustIssue(t, s, id); is.Count != 5 || is.Fingerprint != h {
				t.Errorf("issue of %s: count %d, want 5", h, is.Count)
			}
		}
		alerts, err := s.FindAlerts(ctx, p.ID, 0)
		must(t, "FindAlerts", err)
		if len(alerts) != 12 {
			t.Errorf("%d alerts, want 12", len(alerts))
		}
	}},
	{"BatchIsAtomic", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		good := NewEvent(p.ID, "aaaa")
		_, err := s.WriteEvents(ctx, []*core.EventWrite{{Event: good}, {Event: NewEvent(424242, "bbbb")}})
		wantCode(t, "WriteEvents(event of an unknown project)", err, core.ENOTFOUND)
		bad := NewEvent(p.ID, "cccc")
		bad.EventID = ""
		_, err = s.WriteEvents(ctx, []*core.EventWrite{{Event: good}, {Event: bad}})
		wantCode(t, "WriteEvents(event without id)", err, core.EINVALID)
		_, err = s.FindEventByID(ctx, p.ID, good.EventID)
		wantCode(t, "FindEventByID(event of a failed batch)", err, core.ENOTFOUND)
		issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID})
		must(t, "FindIssues", err)
		if len(issues) != 0 {
			t.Fatalf("a failed batch left %d issues", len(issues))
		}
		// The same events store fine afterwards: nothing stale was kept.
		res := MustWrite(t, s, good)
		if !res[0].NewIssue {
			t.Errorf("retry of a failed batch: %+v, want a new issue", res[0])
		}
	}},
	{"Rejected", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		r := &core.RejectedEvent{ProjectID: p.ID, EventID: NewEventID(), Received: time.Now(), Reason: "invalid_json: offset 3", Payload: []byte("{")}
		must(t, "WriteRejected", s.WriteRejected(ctx, r))
		if r.ID <= 0 {
			t.Errorf("rejected event ID = %d, want > 0", r.ID)
		}
		wantCode(t, "WriteRejected(unknown project)", s.WriteRejected(ctx, &core.RejectedEvent{ProjectID: 424242, Reason: "x"}), core.ENOTFOUND)
		wantCode(t, "WriteRejected(no reason)", s.WriteRejected(ctx, &core.RejectedEvent{ProjectID: p.ID}), core.EINVALID)
	}},
	{"RejectedRedelivered", func(t *testing.T, s core.Store) {
		// The spool replays, after a crash, a rejected event whose commit
		// beat the crash: the same project, event id and receive time
		// are kept once and counted once.
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		received := time.Now().Add(-time.Minute).Truncate(time.Hour).Add(90*time.Second + 123456789)
		r := &core.RejectedEvent{ProjectID: p.ID, EventID: NewEventID(), Received: received, Reason: "invalid_json: offset 3", Payload: []byte("{")}
		must(t, "WriteRejected", s.WriteRejected(ctx, r))
		again := &core.RejectedEvent{ProjectID: p.ID, EventID: r.EventID, Received: received, Reason: r.Reason, Payload: []byte("{")}
		must(t, "WriteRejected(again)", s.WriteRejected(ctx, again))
		if again.ID != r.ID {
			t.Errorf("redelivered rejected event got id %d, want the first one's %d", again.ID, r.ID)
		}
		// Another receive time, or no event id, is another rejection.
		later := &core.RejectedEvent{ProjectID: p.ID, EventID: r.EventID, Received: received.Add(time.Second), Reason: r.Reason}
		must(t, "WriteRejected(later)", s.WriteRejected(ctx, later))
		noID := &core.RejectedEvent{ProjectID: p.ID, Received: received, Reason: r.Reason}
		must(t, "WriteRejected(no id)", s.WriteRejected(ctx, noID))
		noID2 := &core.RejectedEvent{ProjectID: p.ID, Received: received, Reason: r.Reason}
		must(t, "WriteRejected(no id again)", s.WriteRejected(ctx, noID2))
		if later.ID == r.ID || noID.ID == r.ID || noID2.ID == noID.ID {
			t.Errorf("distinct rejections share ids: %d %d %d %d", r.ID, later.ID, noID.ID, noID2.ID)
		}
		st, err := s.FindStats(ctx, core.StatsFilter{ProjectID: p.ID, From: received.Add(-2 * time.Hour), To: received.Add(2 * time.Hour)})
		must(t, "FindStats", err)
		var n int64
		for _, h := range st {
			n += h.Rejected
		}
		if n != 4 {
			t.Errorf("%d rejections counted, want 4 (the redelivery counts once)", n)
		}
	}},
	{"ConcurrentWriters", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		const writers, batches, size = 4, 5, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() {
				for range batches {
					var batch []*core.EventWrite
					for i := range size {
						batch = append(batch, &core.EventWrite{Event: NewEvent(p.ID, fmt.Sprintf("h%d", (i+w)%size))})
					}
					if _, err := s.WriteEvents(ctx, batch); err != nil {
						errs <- err
						return
					}
					// Readers run beside the writers.
					if _, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent use: %v", err)
		}
		issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID})
		must(t, "FindIssues", err)
		var total int64
		for _, is := range issues {
			total += is.Count
		}
		if len(issues) != size || total != writers*batches*size {
			t.Errorf("%d issues counting %d events, want %d and %d", len(issues), total, size, writers*batches*size)
		}
		alerts, err := s.FindAlerts(ctx, p.ID, 0)
		must(t, "FindAlerts", err)
		if len(alerts) != size {
			t.Errorf("%d new-issue alerts, want %d", len(alerts), size)
		}
	}},
	{"EmptyBatch", func(t *testing.T, s core.Store) {
		res, err := s.WriteEvents(context.Background(), nil)
		if err != nil || len(res) != 0 {
			t.Fatalf("WriteEvents(nil) = %v, %v; want no results, no error", res, err)
		}
	}},
}
