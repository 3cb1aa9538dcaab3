package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var thresholdTests = []test{
	{"CountIssueEvents", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		var events []*core.Event
		for i := range 5 {
			e := NewEvent(p.ID, "count")
			e.Timestamp = t0.Add(time.Duration(i) * time.Minute)
			events = append(events, e)
		}
		issue := MustWrite(t, s, events...)[0].IssueID
		MustWrite(t, s, NewEvent(p.ID, "other")) // another issue's events do not count
		for _, c := range []struct {
			since      time.Time
			limit, out int
		}{
			{t0, 100, 5},
			{t0.Add(2 * time.Minute), 100, 3},
			{t0.Add(2 * time.Minute), 2, 2},
			{t0.Add(time.Hour), 10, 0},
		} {
			n, err := s.CountIssueEvents(ctx, issue, c.since, c.limit)
			must(t, "CountIssueEvents", err)
			if n != c.out {
				t.Errorf("CountIssueEvents(since %v, limit %d) = %d, want %d", c.since, c.limit, n, c.out)
			}
		}
		_, err := s.CountIssueEvents(ctx, issue, t0, 0)
		wantCode(t, "CountIssueEvents(limit 0)", err, core.EINVALID)
	}},
	{"CreateThresholdAlert", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "web")
		d := MustCreateDestination(t, s, p.ID, "hook")
		g := MustCreateDestination(t, s, 0, "everyone")
		e := NewEvent(p.ID, "storm")
		issue := MustWrite(t, s, e)[0].IssueID
		at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		req := core.ThresholdAlert{IssueID: issue, Rule: "storm", EventID: e.EventID, At: at, Interval: time.Hour}

		a, created, err := s.CreateThresholdAlert(ctx, req)
		must(t, "CreateThresholdAlert", err)
		if !created || a.ID <= 0 || a.Kind != core.AlertThreshold || a.Rule != "storm" || a.IssueID != issue ||
			a.ProjectID != p.ID || a.EventID != e.EventID || !a.CreatedAt.Equal(at) {
			t.Fatalf("threshold alert %+v (created %v)", a, created)
		}
		if len(a.Notifications) != 2 || a.Notifications[0].DestinationID != d.ID || a.Notifications[1].DestinationID != g.ID ||
			a.Notifications[0].State != core.NotificationPending {
			t.Errorf("notifications %+v, want pending ones for %d and %d", a.Notifications, d.ID, g.ID)
		}

		within := req
		within.At = at.Add(59 * time.Minute)
		b, created, err := s.CreateThresholdAlert(ctx, within)
		must(t, "CreateThresholdAlert(within the interval)", err)
		if created || b.ID != a.ID {
			t.Errorf("within the interval: created %v, alert %d; want none created and alert %d returned", created, b.ID, a.ID)
		}
		other := within
		other.Rule = "other-rule"
		if _, created, err := s.CreateThresholdAlert(ctx, other); err != nil || !created {
			t.Errorf("another rule within the interval: created %v, %v; want created", created, err)
		}
		after := req
		after.At = at.Add(61 * time.Minute)
		c, created, err := s.CreateThresholdAlert(ctx, after)
		must(t, "CreateThresholdAlert(after the interval)", err)
		if !created || c.ID == a.ID {
			t.Errorf("after the interval: created %v, alert %d", created, c.ID)
		}

		as, _, err := s.FindAlertPage(ctx, core.AlertFilter{ProjectID: p.ID, Kind: core.AlertThreshold})
		must(t, "FindAlertPage", err)
		if len(as) != 3 {
			t.Errorf("%d threshold alerts, want 3", len(as))
		}
		// The dispatcher gets them like any other.
		ns := claim(t, s, time.Now().Add(time.Second), 100)
		kinds := map[string]int{}
		for _, n := range ns {
			kinds[n.Alert.Kind]++
			if n.Alert.Kind == core.AlertThreshold && (n.Alert.Rule == "" || n.Issue == nil || n.Issue.ID != issue) {
				t.Errorf("claimed threshold notification %+v with alert %+v", n, n.Alert)
			}
		}
		if kinds[core.AlertThreshold] != 6 || kinds[core.AlertNewIssue] != 2 {
			t.Errorf("claimed by kind %v, want 6 threshold and 2 new_issue", kinds)
		}

		_, _, err = s.CreateThresholdAlert(ctx, core.ThresholdAlert{IssueID: 424242, Rule: "x", At: at})
		wantCode(t, "CreateThresholdAlert(unknown issue)", err, core.ENOTFOUND)
		_, _, err = s.CreateThresholdAlert(ctx, core.ThresholdAlert{IssueID: issue, At: at})
		wantCode(t, "CreateThresholdAlert(no rule)", err, core.EINVALID)
	}},
	{"ConcurrentThresholdOnce", func(t *testing.T, s core.Store) {
		p := MustCreateProject(t, s, "web")
		MustCreateDestination(t, s, p.ID, "hook")
		issue := MustWrite(t, s, NewEvent(p.ID, "race"))[0].IssueID
		at := time.Now().UTC()
		var mu sync.Mutex
		created := 0
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				_, ok, err := s.CreateThresholdAlert(context.Background(), core.ThresholdAlert{IssueID: issue, Rule: "race", At: at, Interval: time.Hour})
				if err != nil {
					t.Errorf("CreateThresholdAlert: %v", err)
				}
				mu.Lock()
				if ok {
					created++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		if created != 1 {
			t.Errorf("8 concurrent calls created %d alerts, want 1", created)
		}
	}},
}
