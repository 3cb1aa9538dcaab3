package threshold

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// fakeThresholdStore keeps event timestamps per issue and threshold
// alerts, with CreateThresholdAlert's interval rule.
type fakeThresholdStore struct {
	mu     sync.Mutex
	times  map[int64][]time.Time
	issues map[int64]*core.Issue
	alerts []*core.Alert
	counts int
}

func newFakeThresholdStore() *fakeThresholdStore {
	return &fakeThresholdStore{times: map[int64][]time.Time{}, issues: map[int64]*core.Issue{}}
}

func (s *fakeThresholdStore) CountIssueEvents(_ context.Context, issueID int64, since time.Time, limit int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts++
	n := 0
	for _, ts := range s.times[issueID] {
		if !ts.Before(since) && n < limit {
			n++
		}
	}
	return n, nil
}

func (s *fakeThresholdStore) CreateThresholdAlert(_ context.Context, t core.ThresholdAlert) (*core.Alert, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.alerts) - 1; i >= 0; i-- {
		a := s.alerts[i]
		if a.IssueID == t.IssueID && a.Rule == t.Rule && a.CreatedAt.After(t.At.Add(-t.Interval)) {
			return a, false, nil
		}
	}
	a := &core.Alert{ID: int64(len(s.alerts) + 1), IssueID: t.IssueID, Kind: core.AlertThreshold, Rule: t.Rule, EventID: t.EventID, CreatedAt: t.At}
	s.alerts = append(s.alerts, a)
	return a, true, nil
}

func (s *fakeThresholdStore) FindIssueByID(_ context.Context, id int64) (*core.Issue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is, ok := s.issues[id]; ok {
		c := *is
		return &c, nil
	}
	return nil, core.Errorf(core.ENOTFOUND, "no issue %d", id)
}

func (s *fakeThresholdStore) FindProjectByID(_ context.Context, id int64) (*core.Project, error) {
	return &core.Project{ID: id, Name: "checkout"}, nil
}

func (s *fakeThresholdStore) FindEventByID(_ context.Context, _ int64, id string) (*core.Event, error) {
	return &core.Event{EventID: id, Environment: "production"}, nil
}

// write stores n events of the issue at ts and returns the batch and
// results the writer would hand to Observe.
func (s *fakeThresholdStore) write(issue *core.Issue, n int, ts time.Time) ([]*core.EventWrite, []core.WriteResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.issues[issue.ID]; !ok {
		s.issues[issue.ID] = issue
	}
	var batch []*core.EventWrite
	var res []core.WriteResult
	for i := range n {
		s.times[issue.ID] = append(s.times[issue.ID], ts)
		batch = append(batch, &core.EventWrite{Event: &core.Event{ProjectID: 1, EventID: strings.Repeat("e", 31) + string(rune('a'+i%26))}})
		res = append(res, core.WriteResult{IssueID: issue.ID})
	}
	return batch, res
}

func (s *fakeThresholdStore) alertCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.alerts)
}

// mustThresholds starts an evaluator over store with a settable clock.
func mustThresholds(tb testing.TB, store Store, clock *atomic.Int64, rules ...core.AlertRule) (*Evaluator, *atomic.Int64) {
	tb.Helper()
	th, err := New(store, rules)
	if err != nil {
		tb.Fatal(err)
	}
	kicks := &atomic.Int64{}
	th.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	th.OnAlert = func() { kicks.Add(1) }
	th.Start()
	tb.Cleanup(func() { _ = th.Stop(context.Background()) })
	return th, kicks
}

// observe hands a batch to th and waits until it has been evaluated
// (the tests observe from one goroutine, so no other run is in flight).
func observe(tb testing.TB, th *Evaluator, batch []*core.EventWrite, res []core.WriteResult) {
	tb.Helper()
	before := th.runs.Load()
	th.Observe(batch, res)
	waitFor(tb, "the evaluator to run", func() bool { return th.runs.Load() > before })
}

func TestThresholdRaisesOncePerInterval(t *testing.T) {
	store := newFakeThresholdStore()
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	th, kicks := mustThresholds(t, store, &clock, core.AlertRule{Name: "storm", Events: 5, Window: 10 * time.Minute, ActionInterval: time.Hour})
	issue := &core.Issue{ID: 7, ProjectID: 1, Status: core.StatusUnresolved, Level: "error"}

	writeObserve(t, th, store, issue, 4, start)
	if n := store.alertCount(); n != 0 {
		t.Fatalf("4 events of 5: %d alerts", n)
	}
	writeObserve(t, th, store, issue, 1, start.Add(time.Minute))
	if n := store.alertCount(); n != 1 || kicks.Load() != 1 {
		t.Fatalf("5 events in 10m: %d alerts, %d kicks; want 1 and 1", n, kicks.Load())
	}
	if a := store.alerts[0]; a.Rule != "storm" || a.IssueID != 7 || !a.CreatedAt.Equal(start) {
		t.Errorf("alert %+v", a)
	}
	clock.Store(start.Add(30 * time.Minute).UnixNano())
	counts := store.counts
	writeObserve(t, th, store, issue, 10, start.Add(29*time.Minute))
	if n := store.alertCount(); n != 1 {
		t.Fatalf("within the action interval: %d alerts, want still 1", n)
	}
	if store.counts != counts {
		t.Errorf("within the action interval the store was asked to count %d times; the evaluator should remember", store.counts-counts)
	}
	clock.Store(start.Add(61 * time.Minute).UnixNano())
	writeObserve(t, th, store, issue, 1, start.Add(61*time.Minute))
	if n := store.alertCount(); n != 1 {
		t.Fatalf("after the interval, but only 1 event in the last 10m: %d alerts, want 1", n)
	}
	writeObserve(t, th, store, issue, 4, start.Add(61*time.Minute))
	if n := store.alertCount(); n != 2 || kicks.Load() != 2 {
		t.Fatalf("after the interval with 5 events in 10m: %d alerts, %d kicks; want 2", n, kicks.Load())
	}
}

// writeObserve writes n events of the issue at ts and observes them.
func writeObserve(tb testing.TB, th *Evaluator, store *fakeThresholdStore, issue *core.Issue, n int, ts time.Time) {
	tb.Helper()
	batch, res := store.write(issue, n, ts)
	observe(tb, th, batch, res)
}

func TestThresholdSkips(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	rule := core.AlertRule{Name: "prod-errors", Events: 2, Window: time.Minute, When: `event.environment == "production" && issue.level == "fatal"`}

	t.Run("Duplicates", func(t *testing.T) {
		store := newFakeThresholdStore()
		th, _ := mustThresholds(t, store, &clock, core.AlertRule{Name: "two", Events: 2, Window: time.Minute})
		batch, res := store.write(&core.Issue{ID: 1, ProjectID: 1, Status: core.StatusUnresolved}, 2, start)
		for i := range res {
			res[i].Duplicate = true
		}
		observe(t, th, batch, res)
		if store.counts != 0 || store.alertCount() != 0 {
			t.Errorf("duplicates were evaluated: %d counts, %d alerts", store.counts, store.alertCount())
		}
	})
	t.Run("WhenFalse", func(t *testing.T) {
		store := newFakeThresholdStore()
		th, _ := mustThresholds(t, store, &clock, rule)
		writeObserve(t, th, store, &core.Issue{ID: 1, ProjectID: 1, Status: core.StatusUnresolved, Level: "error"}, 3, start)
		if n := store.alertCount(); n != 0 {
			t.Errorf("an error-level issue raised %d alerts under a fatal-only rule", n)
		}
	})
	t.Run("WhenTrue", func(t *testing.T) {
		store := newFakeThresholdStore()
		th, _ := mustThresholds(t, store, &clock, rule)
		writeObserve(t, th, store, &core.Issue{ID: 1, ProjectID: 1, Status: core.StatusUnresolved, Level: "fatal"}, 3, start)
		if n := store.alertCount(); n != 1 {
			t.Errorf("a fatal issue in production raised %d alerts, want 1", n)
		}
	})
	t.Run("Ignored", func(t *testing.T) {
		store := newFakeThresholdStore()
		th, _ := mustThresholds(t, store, &clock, core.AlertRule{Name: "two", Events: 2, Window: time.Minute})
		writeObserve(t, th, store, &core.Issue{ID: 1, ProjectID: 1, Status: core.StatusIgnored}, 3, start)
		if n := store.alertCount(); n != 0 {
			t.Errorf("an ignored issue raised %d alerts", n)
		}
	})
}

func TestThresholdStopEvaluatesPending(t *testing.T) {
	store := newFakeThresholdStore()
	th, err := New(store, []core.AlertRule{{Name: "two", Events: 2, Window: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	th.Start()
	th.Observe(store.write(&core.Issue{ID: 3, ProjectID: 1, Status: core.StatusUnresolved}, 2, time.Now()))
	if err := th.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := store.alertCount(); n != 1 {
		t.Errorf("after Stop: %d alerts, want the pending check done (1)", n)
	}
}

func TestRuleValidation(t *testing.T) {
	err := ValidateRules([]core.AlertRule{
		{Name: "ok", Events: 10, Window: time.Minute},
		{Name: "", Kind: "loud", Events: 0, Window: 0, ActionInterval: time.Millisecond, When: `issue.levle == "x"`},
		{Name: "ok", Events: 1, Window: time.Minute},
	})
	if err == nil {
		t.Fatal("invalid rules passed")
	}
	got := err.Error()
	for _, want := range []string{"rules[1].name", "rules[1].kind", "rules[1].events", "rules[1].window", "rules[1].action_interval", "rules[1].when", "rules[2].name"} {
		if !strings.Contains(got, "field="+want+" ") {
			t.Errorf("no error naming %s in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "field=rules[0].") {
		t.Errorf("the valid rule was reported:\n%s", got)
	}
	r := core.AlertRule{Name: "x", Events: 1, Window: time.Minute}.WithDefaults()
	if r.Kind != core.RuleThreshold || r.ActionInterval != core.DefaultRuleActionInterval {
		t.Errorf("defaults: %+v", r)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline
// (a hang guard, not a speed assertion).
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
