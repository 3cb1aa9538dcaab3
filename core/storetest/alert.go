package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var destinationTests = []test{
	{"CreateFindDelete", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		other := MustCreateProject(t, s, "other")
		d := &core.Destination{ProjectID: p.ID, Name: "ops", Plugin: "slack", When: `issue.level == "error"`,
			Config: map[string]any{"webhook_url": "https://hooks.example.com/x", "mention": []any{"@here"}, "n": 3.0}}
		must(t, "CreateDestination", s.CreateDestination(ctx, d))
		if d.ID <= 0 || d.CreatedAt.IsZero() || d.Source != "api" {
			t.Fatalf("created %+v, want an id, a time and source api", d)
		}
		g := MustCreateDestination(t, s, 0, "ops") // global: another namespace
		o := MustCreateDestination(t, s, other.ID, "ops")
		ds, err := s.FindDestinations(ctx, p.ID)
		must(t, "FindDestinations", err)
		if len(ds) != 2 || ds[0].ID != d.ID || ds[1].ID != g.ID {
			t.Fatalf("FindDestinations = %+v, want the project's and the global one", ds)
		}
		got := ds[0]
		if got.Name != "ops" || got.Plugin != "slack" || got.When != d.When || got.ProjectID != p.ID ||
			fmt.Sprint(got.Config) != fmt.Sprint(d.Config) || !sameTime(got.CreatedAt, d.CreatedAt) {
			t.Errorf("found %+v, want %+v", got, d)
		}
		if ds[1].ProjectID != 0 {
			t.Errorf("global destination has ProjectID %d, want 0", ds[1].ProjectID)
		}
		globals, err := s.FindDestinations(ctx, 0)
		must(t, "FindDestinations(0)", err)
		if len(globals) != 1 || globals[0].ID != g.ID {
			t.Errorf("FindDestinations(0) = %+v, want only the global one", globals)
		}

		wantCode(t, "CreateDestination(duplicate)", s.CreateDestination(ctx, &core.Destination{ProjectID: p.ID, Name: "ops", Plugin: "webhook"}), core.ECONFLICT)
		wantCode(t, "CreateDestination(duplicate global)", s.CreateDestination(ctx, &core.Destination{Name: "ops", Plugin: "webhook"}), core.ECONFLICT)
		wantCode(t, "CreateDestination(no name)", s.CreateDestination(ctx, &core.Destination{ProjectID: p.ID, Plugin: "webhook"}), core.EINVALID)
		wantCode(t, "CreateDestination(no plugin)", s.CreateDestination(ctx, &core.Destination{ProjectID: p.ID, Name: "x"}), core.EINVALID)
		wantCode(t, "CreateDestination(unknown project)", s.CreateDestination(ctx, &core.Destination{ProjectID: 424242, Name: "x", Plugin: "webhook"}), core.ENOTFOUND)
		_, err = s.FindDestinations(ctx, 424242)
		wantCode(t, "FindDestinations(unknown project)", err, core.ENOTFOUND)

		wantCode(t, "DeleteDestination(of another project)", s.DeleteDestination(ctx, p.ID, o.ID), core.ENOTFOUND)
		must(t, "DeleteDestination", s.DeleteDestination(ctx, p.ID, d.ID))
		wantCode(t, "DeleteDestination(again)", s.DeleteDestination(ctx, p.ID, d.ID), core.ENOTFOUND)
		must(t, "DeleteDestination(global)", s.DeleteDestination(ctx, 0, g.ID))
		if ds, _ := s.FindDestinations(ctx, p.ID); len(ds) != 0 {
			t.Errorf("after deletes: %+v", ds)
		}
		if ds, _ := s.FindDestinations(ctx, other.ID); len(ds) != 1 {
			t.Errorf("the other project's destination: %+v", ds)
		}
	}},
}

// pendingNotifications creates alerts × destinations pending notifications
// and returns the project.
func pendingNotifications(t *testing.T, s core.Store, alerts, destinations int) *core.Project {
	t.Helper()
	p := MustCreateProject(t, s, "web")
	for i := range destinations {
		MustCreateDestination(t, s, p.ID, fmt.Sprintf("d%d", i))
	}
	var events []*core.Event
	for i := range alerts {
		events = append(events, NewEvent(p.ID, fmt.Sprintf("h%d", i)))
	}
	MustWrite(t, s, events...)
	return p
}

func claim(t testing.TB, s core.Store, now time.Time, limit int) []*core.Notification {
	t.Helper()
	ns, err := s.ClaimNotifications(context.Background(), now, limit, time.Minute)
	if err != nil {
		t.Fatalf("ClaimNotifications: %v", err)
	}
	return ns
}

var notificationTests = []test{
	{"ClaimLeases", func(t *testing.T, s core.Store) {
		p := pendingNotifications(t, s, 2, 2)
		now := time.Now().Add(time.Second)
		ns := claim(t, s, now, 3)
		if len(ns) != 3 {
			t.Fatalf("claimed %d, want 3 of 4", len(ns))
		}
		for _, n := range ns {
			if n.Alert == nil || n.Issue == nil || n.Project == nil || n.Destination == nil {
				t.Fatalf("claimed %+v without its alert, issue, project and destination", n)
			}
			if n.Alert.ID != n.AlertID || n.Issue.ID != n.Alert.IssueID || n.Project.ID != p.ID || n.Project.Name != "web" ||
				n.Destination.ID != n.DestinationID || n.Destination.Plugin != "webhook" || n.Destination.Config["url"] == nil {
				t.Errorf("claimed notification with mismatched parts: %+v", n)
			}
			if n.State != core.NotificationPending || n.IdempotencyKey == "" {
				t.Errorf("claimed %+v", n)
			}
		}
		rest := claim(t, s, now, 10)
		if len(rest) != 1 {
			t.Fatalf("second claim got %d, want the 1 left", len(rest))
		}
		if more := claim(t, s, now.Add(30*time.Second), 10); len(more) != 0 {
			t.Fatalf("claim during the lease got %d rows", len(more))
		}
		again := claim(t, s, now.Add(2*time.Minute), 10)
		if len(again) != 4 {
			t.Fatalf("claim after the lease expired got %d, want all 4 back", len(again))
		}
		keys := map[int64]string{}
		for _, n := range append(ns, rest...) {
			keys[n.ID] = n.IdempotencyKey
		}
		for _, n := range again {
			if keys[n.ID] != n.IdempotencyKey {
				t.Errorf("notification %d: idempotency key changed from %q to %q between claims", n.ID, keys[n.ID], n.IdempotencyKey)
			}
		}
		_, err := s.ClaimNotifications(context.Background(), now, 10, 0)
		wantCode(t, "ClaimNotifications(no lease)", err, core.EINVALID)
	}},
	{"ConcurrentClaimsNeverShare", func(t *testing.T, s core.Store) {
		pendingNotifications(t, s, 15, 4)
		now := time.Now().Add(time.Second)
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				for round := 0; ; round++ {
					ns, err := s.ClaimNotifications(context.Background(), now, 3, time.Hour)
					if err != nil {
						errs <- err
						return
					} else if len(ns) == 0 {
						return
					} else if round > 60 {
						errs <- fmt.Errorf("still claiming after %d rounds: leased rows come back", round)
						return
					}
					mu.Lock()
					for _, n := range ns {
						seen[n.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("ClaimNotifications: %v", err)
		}
		if len(seen) != 60 {
			t.Errorf("claimed %d distinct notifications, want 60", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("notification %d handed out %d times", id, n)
			}
		}
	}},
	{"RecordAttempt", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := pendingNotifications(t, s, 1, 4)
		now := time.Now().Add(time.Second).UTC().Truncate(time.Microsecond)
		ns := claim(t, s, now, 10)
		if len(ns) != 4 {
			t.Fatalf("claimed %d, want 4", len(ns))
		}
		retry, fail, ok, skip := ns[0], ns[1], ns[2], ns[3]
		pending, err := s.PendingNotifications(ctx)
		must(t, "PendingNotifications", err)
		if plugin := retry.Destination.Plugin; len(pending) != 1 || pending[plugin] != 4 {
			t.Errorf("pending before any attempt: %v, want %s: 4 (claimed ones are pending)", pending, plugin)
		}
		nextAt := now.Add(10 * time.Minute)
		must(t, "RecordAttempt(retry)", s.RecordAttempt(ctx, retry.ID, core.Attempt{At: now, Err: "503 Service Unavailable", NextAt: nextAt}))
		must(t, "RecordAttempt(permanent)", s.RecordAttempt(ctx, fail.ID, core.Attempt{At: now, Err: "404 Not Found", Permanent: true}))
		must(t, "RecordAttempt(first try)", s.RecordAttempt(ctx, ok.ID, core.Attempt{At: now, Err: "timeout", NextAt: now}))
		must(t, "RecordAttempt(success)", s.RecordAttempt(ctx, ok.ID, core.Attempt{At: now.Add(time.Second)}))
		must(t, "RecordAttempt(skipped)", s.RecordAttempt(ctx, skip.ID, core.Attempt{At: now, Skipped: true, Err: "when: false"}))
		wantCode(t, "RecordAttempt(unknown)", s.RecordAttempt(ctx, 424242, core.Attempt{At: now}), core.ENOTFOUND)

		pending, err = s.PendingNotifications(ctx)
		must(t, "PendingNotifications", err)
		if plugin := retry.Destination.Plugin; len(pending) != 1 || pending[plugin] != 1 {
			t.Errorf("pending after the attempts: %v, want %s: 1 (the retried one)", pending, plugin)
		}

		alerts, err := s.FindAlerts(ctx, p.ID, 0)
		must(t, "FindAlerts", err)
		byID := map[int64]*core.Notification{}
		for _, n := range alerts[0].Notifications {
			byID[n.ID] = n
		}
		if n := byID[retry.ID]; n.State != core.NotificationPending || n.Attempts != 1 || n.LastError != "503 Service Unavailable" || !n.NextAttemptAt.Equal(nextAt) {
			t.Errorf("retried: %+v, want pending, 1 attempt, next at %v", n, nextAt)
		}
		if n := byID[fail.ID]; n.State != core.NotificationFailed || n.Attempts != 1 || n.LastError != "404 Not Found" {
			t.Errorf("permanent failure: %+v", n)
		}
		if n := byID[ok.ID]; n.State != core.NotificationDelivered || n.Attempts != 2 || n.DeliveredAt == nil ||
			!n.DeliveredAt.Equal(now.Add(time.Second)) || n.LastError != "" {
			t.Errorf("delivered: %+v, want 2 attempts and DeliveredAt %v", n, now.Add(time.Second))
		}
		if n := byID[skip.ID]; n.State != core.NotificationSkipped || n.Attempts != 0 {
			t.Errorf("skipped: %+v", n)
		}
		if got := claim(t, s, now.Add(5*time.Minute), 10); len(got) != 0 {
			t.Errorf("before its retry time: claimed %d", len(got))
		}
		got := claim(t, s, nextAt, 10)
		if len(got) != 1 || got[0].ID != retry.ID || got[0].Attempts != 1 {
			t.Fatalf("at its retry time: claimed %+v, want only the retried one", got)
		}
		// A late report on a delivered notification does not undo it.
		must(t, "RecordAttempt(late)", s.RecordAttempt(ctx, ok.ID, core.Attempt{At: now, Err: "late", NextAt: now}))
		alerts, _ = s.FindAlerts(ctx, p.ID, 0)
		for _, n := range alerts[0].Notifications {
			if n.ID == ok.ID && n.State != core.NotificationDelivered {
				t.Errorf("a late failure changed a delivered notification to %q", n.State)
			}
		}
	}},
}
