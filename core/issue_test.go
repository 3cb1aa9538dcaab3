package core_test

import (
	"errors"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

func TestIssueUpdate(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 6789, time.UTC)
	s := func(v string) *string { return &v }
	n := func(v int64) *int64 { return &v }
	until := now.Add(time.Hour).Truncate(time.Microsecond)
	cases := []struct {
		name   string
		from   core.Issue
		upd    core.IssueUpdate
		want   core.Issue
		errFor string // the field of an EINVALID error
	}{
		{"resolve", core.Issue{Status: "unresolved", Count: 5}, core.IssueUpdate{Status: s("resolved")},
			core.Issue{Status: "resolved", Count: 5, ResolvedAt: &now}, ""},
		{"ignore count is relative", core.Issue{Status: "unresolved", Count: 5}, core.IssueUpdate{IgnoreCount: n(10)},
			core.Issue{Status: "ignored", Count: 5, IgnoreCount: 15}, ""},
		{"ignore until", core.Issue{Status: "resolved", ResolvedAt: &now}, core.IssueUpdate{Status: s("ignored"), IgnoreUntil: &until},
			core.Issue{Status: "ignored", IgnoreUntil: &until}, ""},
		{"unresolve clears", core.Issue{Status: "ignored", IgnoreUntil: &until, IgnoreCount: 3}, core.IssueUpdate{Status: s("unresolved")},
			core.Issue{Status: "unresolved"}, ""},
		{"nothing", core.Issue{Status: "ignored", IgnoreCount: 3}, core.IssueUpdate{}, core.Issue{Status: "ignored", IgnoreCount: 3}, ""},
		{"bad status", core.Issue{}, core.IssueUpdate{Status: s("open")}, core.Issue{}, "status"},
		{"bounds need ignored", core.Issue{}, core.IssueUpdate{Status: s("resolved"), IgnoreCount: n(1)}, core.Issue{}, "status"},
		{"count must be positive", core.Issue{}, core.IssueUpdate{IgnoreCount: n(0)}, core.Issue{}, "ignore_count"},
	}
	for _, c := range cases {
		is := c.from
		err := is.Update(c.upd, now)
		if c.errFor != "" {
			var e *core.Error
			if core.ErrorCode(err) != core.EINVALID || !asError(err, &e) || e.Field != c.errFor {
				t.Errorf("%s: got %v, want EINVALID on %s", c.name, err, c.errFor)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := c.want
		if want.ResolvedAt != nil {
			r := now.Truncate(time.Microsecond)
			want.ResolvedAt = &r
		}
		if is.Status != want.Status || is.IgnoreCount != want.IgnoreCount || !eqTime(is.ResolvedAt, want.ResolvedAt) || !eqTime(is.IgnoreUntil, want.IgnoreUntil) {
			t.Errorf("%s: got %+v, want %+v", c.name, is, want)
		}
	}
}

func asError(err error, e **core.Error) bool {
	return errors.As(err, e)
}

func eqTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestIssueTitleAndLevel(t *testing.T) {
	e := &core.Event{Title: "TypeError: x", Level: ""}
	if got := core.IssueTitle(e); got != "TypeError: x" {
		t.Errorf("title without a rule's: got %q, want the event's", got)
	}
	e.Grouping.Title = "checkout failures"
	if got := core.IssueTitle(e); got != "checkout failures" {
		t.Errorf("title with a rule's: got %q, want the rule's", got)
	}
	if got := core.IssueLevel(e); got != core.LevelError {
		t.Errorf("unset level: got %q, want error", got)
	}
	e.Level = "warning"
	if got := core.IssueLevel(e); got != "warning" {
		t.Errorf("level: got %q, want warning", got)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	e.ProjectID, e.EventID, e.Grouping.Hash, e.Culprit, e.Platform = 3, "ev1", "h1", "app.go", "go"
	is := core.NewIssue(e, at)
	want := core.Issue{ProjectID: 3, Fingerprint: "h1", Title: "checkout failures", Culprit: "app.go", Level: "warning",
		Platform: "go", Status: core.StatusUnresolved, FirstSeen: at, LastSeen: at, LastEventID: "ev1"}
	if *is != want {
		t.Errorf("NewIssue: got %+v, want %+v", *is, want)
	}
}

func TestIssueAddEvents(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	base := func() core.Issue {
		return core.Issue{Title: "old", Culprit: "old.go", Level: "error", Platform: "go", Status: core.StatusUnresolved,
			FirstSeen: t0, LastSeen: t0.Add(time.Hour), Count: 10, LastEventID: "old"}
	}
	newer := &core.Event{EventID: "new", Title: "new", Culprit: "new.go", Level: "fatal", Platform: "python"}

	t.Run("NewerEventsTakeOver", func(t *testing.T) {
		is := base()
		latest, regressed := is.AddEvents(core.IssueEvents{Count: 3, FirstSeen: t0.Add(-time.Minute), LastSeen: t0.Add(2 * time.Hour), Latest: newer}, t0)
		if !latest || regressed {
			t.Errorf("latest %v regressed %v, want true false", latest, regressed)
		}
		if is.Count != 13 || !is.FirstSeen.Equal(t0.Add(-time.Minute)) || !is.LastSeen.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("counters: %+v", is)
		}
		if is.Title != "new" || is.Culprit != "new.go" || is.Level != "fatal" || is.Platform != "python" || is.LastEventID != "new" {
			t.Errorf("the newest event's fields were not taken: %+v", is)
		}
	})
	t.Run("OlderEventsOnlyCount", func(t *testing.T) {
		is := base()
		latest, _ := is.AddEvents(core.IssueEvents{Count: 2, FirstSeen: t0.Add(time.Minute), LastSeen: t0.Add(time.Minute), Latest: newer}, t0)
		if latest || is.Title != "old" || is.LastEventID != "old" || is.Count != 12 || !is.FirstSeen.Equal(t0) || !is.LastSeen.Equal(t0.Add(time.Hour)) {
			t.Errorf("older events changed more than the count: latest %v, %+v", latest, is)
		}
	})
	t.Run("SameTimeTakesOver", func(t *testing.T) {
		is := base()
		if latest, _ := is.AddEvents(core.IssueEvents{Count: 1, FirstSeen: is.LastSeen, LastSeen: is.LastSeen, Latest: newer}, t0); !latest || is.LastEventID != "new" {
			t.Errorf("an event at LastSeen did not take over (a later one wins ties): %+v", is)
		}
	})
	t.Run("ResolvedRegresses", func(t *testing.T) {
		is := base()
		at := t0
		is.Status, is.ResolvedAt = core.StatusResolved, &at
		if _, regressed := is.AddEvents(core.IssueEvents{Count: 1, FirstSeen: t0, LastSeen: t0, Latest: newer}, t0); !regressed {
			t.Error("a resolved issue did not regress")
		}
		if is.Status != core.StatusUnresolved || is.ResolvedAt != nil {
			t.Errorf("after a regression: status %q resolved_at %v", is.Status, is.ResolvedAt)
		}
	})
}

func TestIssueReopen(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	before, after := now.Add(-time.Second), now.Add(time.Second)
	cases := []struct {
		name      string
		is        core.Issue
		expired   bool
		regressed bool
		status    string
	}{
		{"unresolved stays", core.Issue{Status: core.StatusUnresolved}, false, false, core.StatusUnresolved},
		{"resolved regresses", core.Issue{Status: core.StatusResolved, ResolvedAt: &before}, false, true, core.StatusUnresolved},
		{"ignored without bounds stays", core.Issue{Status: core.StatusIgnored, Count: 1000}, false, false, core.StatusIgnored},
		{"ignored until later stays", core.Issue{Status: core.StatusIgnored, IgnoreUntil: &after}, false, false, core.StatusIgnored},
		{"ignored until now expires", core.Issue{Status: core.StatusIgnored, IgnoreUntil: &now}, true, false, core.StatusUnresolved},
		{"ignored until earlier expires", core.Issue{Status: core.StatusIgnored, IgnoreUntil: &before}, true, false, core.StatusUnresolved},
		{"ignored count not reached stays", core.Issue{Status: core.StatusIgnored, Count: 14, IgnoreCount: 15}, false, false, core.StatusIgnored},
		{"ignored count reached expires", core.Issue{Status: core.StatusIgnored, Count: 15, IgnoreCount: 15}, true, false, core.StatusUnresolved},
		{"either bound expires", core.Issue{Status: core.StatusIgnored, Count: 1, IgnoreCount: 15, IgnoreUntil: &before}, true, false, core.StatusUnresolved},
		{"bounds of an unresolved issue mean nothing", core.Issue{Status: core.StatusUnresolved, Count: 20, IgnoreCount: 15}, false, false, core.StatusUnresolved},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := c.is
			if got := is.IgnoreExpired(now); got != c.expired {
				t.Errorf("IgnoreExpired = %v, want %v", got, c.expired)
			}
			if got := is.Reopen(now); got != c.regressed {
				t.Errorf("Reopen = %v, want %v", got, c.regressed)
			}
			if is.Status != c.status {
				t.Errorf("status %q, want %q", is.Status, c.status)
			}
			if c.expired && (is.IgnoreUntil != nil || is.IgnoreCount != 0) {
				t.Errorf("an expired ignore kept its bounds: %+v", is)
			}
		})
	}
}

func TestIssueAlertKind(t *testing.T) {
	for _, c := range []struct {
		created, regressed bool
		want               string
	}{
		{true, false, core.AlertNewIssue},
		{false, true, core.AlertRegression},
		{false, false, ""},
	} {
		if got := core.IssueAlertKind(c.created, c.regressed); got != c.want {
			t.Errorf("IssueAlertKind(%v, %v) = %q, want %q", c.created, c.regressed, got, c.want)
		}
	}
}
