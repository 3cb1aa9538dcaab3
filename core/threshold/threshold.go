package threshold

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/notify"
)

// Store is what an Evaluator needs of the store; core.Store implements
// it.
type Store interface {
	CountIssueEvents(ctx context.Context, issueID int64, since time.Time, limit int) (int, error)
	CreateThresholdAlert(ctx context.Context, t core.ThresholdAlert) (*core.Alert, bool, error)
	FindIssueByID(ctx context.Context, id int64) (*core.Issue, error)
	FindProjectByID(ctx context.Context, id int64) (*core.Project, error)
	notify.EventFinder
}

// Evaluator raises threshold alerts. The event writer calls Observe after
// each committed batch (Writer wraps a store so that it does); a background loop then checks, for every issue the
// batch touched and every rule, whether the issue now has the rule's
// number of events within its window, and asks the store to create the
// alert (with its outbox rows, in one transaction, at most once per action
// interval). The ingestion path only pays for Observe, a map update.
//
// Evaluation runs after commit: a crash between the commit and the check
// loses that check, and the issue's next event repeats it (the count is
// read from the database, so nothing is lost but the moment).
type Evaluator struct {
	// Logger receives alerts raised and errors; optional.
	Logger *slog.Logger
	// Now is the clock; optional (time.Now).
	Now func() time.Time
	// OnAlert is called after an alert is created (to wake the
	// dispatcher); optional, must not block.
	OnAlert func()

	store Store
	rules []compiledRule

	mu      sync.Mutex
	pending map[int64]touch // issue -> newest event of the batches since the last run
	fired   map[firedKey]time.Time

	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	startOnce sync.Once
	stopOnce  sync.Once
	runs      atomic.Int64 // completed runs, for tests
}

type compiledRule struct {
	core.AlertRule
	when *notify.When
}

type touch struct {
	projectID int64
	eventID   string
}

type firedKey struct {
	rule  string
	issue int64
}

// New returns an evaluator of rules (defaults applied) over store, or the
// rules' errors (ValidateRules).
func New(store Store, rules []core.AlertRule) (*Evaluator, error) {
	if err := ValidateRules(rules); err != nil {
		return nil, err
	}
	t := &Evaluator{
		store: store, pending: map[int64]touch{}, fired: map[firedKey]time.Time{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	for _, r := range rules {
		r = r.WithDefaults()
		w, err := notify.CompileWhen(r.When)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		t.rules = append(t.rules, compiledRule{AlertRule: r, when: w})
	}
	return t, nil
}

func (t *Evaluator) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Evaluator) log() *slog.Logger {
	if t.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return t.Logger
}

// Observe records the issues that batch stored new events for (res is
// WriteEvents' answer for batch). It never blocks.
func (t *Evaluator) Observe(batch []*core.EventWrite, res []core.WriteResult) {
	if len(t.rules) == 0 {
		return
	}
	t.mu.Lock()
	for i, r := range res {
		if r.Duplicate || r.IssueID == 0 || i >= len(batch) || batch[i].Event == nil {
			continue
		}
		e := batch[i].Event
		t.pending[r.IssueID] = touch{projectID: e.ProjectID, eventID: e.EventID}
	}
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// Start runs the evaluation loop in the background.
func (t *Evaluator) Start() {
	t.startOnce.Do(func() { go t.loop() })
}

// Stop evaluates what was observed so far, then stops; if ctx ends first it
// returns ctx's error and the loop ends after its current check.
func (t *Evaluator) Stop(ctx context.Context) error {
	t.stopOnce.Do(func() {
		close(t.stop)
		t.startOnce.Do(func() { close(t.done) })
	})
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Evaluator) loop() {
	defer close(t.done)
	for {
		select {
		case <-t.wake:
			t.run(context.Background())
		case <-t.stop:
			t.run(context.Background())
			return
		}
	}
}

// run checks every pending issue against every rule.
func (t *Evaluator) run(ctx context.Context) {
	t.mu.Lock()
	pending := t.pending
	t.pending = map[int64]touch{}
	t.mu.Unlock()
	for issue, tc := range pending {
		for i := range t.rules {
			t.check(ctx, &t.rules[i], issue, tc)
		}
	}
	t.forget()
	t.runs.Add(1)
}

// check raises rule's alert for the issue when its count is reached and
// the action interval allows.
func (t *Evaluator) check(ctx context.Context, r *compiledRule, issueID int64, tc touch) {
	now := t.now()
	key := firedKey{r.Name, issueID}
	t.mu.Lock()
	last, ok := t.fired[key]
	t.mu.Unlock()
	if ok && r.Quiet(last, now) {
		return
	}
	n, err := t.store.CountIssueEvents(ctx, issueID, r.WindowStart(now), r.Events)
	if err != nil {
		t.log().Error("alerts: count issue events", "issue", issueID, "rule", r.Name, "err", err)
		return
	} else if !r.Reached(n) {
		return
	}
	issue, err := t.store.FindIssueByID(ctx, issueID)
	if err != nil {
		if !core.IsNotFound(err) {
			t.log().Error("alerts: find issue", "issue", issueID, "err", err)
		}
		return
	}
	if !issue.RaisesThresholdAlerts() {
		return
	}
	if r.when != nil {
		ok, err := t.matches(ctx, r, issue, tc, now)
		if err != nil {
			t.log().Warn("alerts: rule filter failed", "rule", r.Name, "issue", issueID, "err", err)
			return
		} else if !ok {
			return
		}
	}
	a, created, err := t.store.CreateThresholdAlert(ctx, core.ThresholdAlert{
		IssueID: issueID, Rule: r.Name, EventID: tc.eventID, At: now, Interval: r.ActionInterval,
	})
	if err != nil {
		if !core.IsNotFound(err) {
			t.log().Error("alerts: create threshold alert", "issue", issueID, "rule", r.Name, "err", err)
		}
		return
	}
	t.mu.Lock()
	t.fired[key] = a.CreatedAt
	t.mu.Unlock()
	if created {
		t.log().Info("alerts: threshold reached", "rule", r.Name, "issue", issueID, "alert", a.ID,
			"events", r.Events, "window", r.Window, "notifications", len(a.Notifications))
		if t.OnAlert != nil {
			t.OnAlert()
		}
	}
}

// matches evaluates the rule's when filter over the issue, its project
// and the newest event.
func (t *Evaluator) matches(ctx context.Context, r *compiledRule, issue *core.Issue, tc touch, now time.Time) (bool, error) {
	project, err := t.store.FindProjectByID(ctx, issue.ProjectID)
	if err != nil {
		return false, err
	}
	ev, err := t.store.FindEventByID(ctx, issue.ProjectID, tc.eventID)
	if err != nil {
		ev = nil // filters over event fields see empty values
	}
	n := &core.Notification{
		Alert:   &core.Alert{Kind: core.AlertThreshold, IssueID: issue.ID, EventID: tc.eventID, CreatedAt: now, Rule: r.Name},
		Issue:   issue,
		Project: project,
	}
	return r.when.Match(notify.BuildPayload(n, ev, ""))
}

// forget drops suppression entries older than every rule's interval.
func (t *Evaluator) forget() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fired) < 4096 {
		return
	}
	var longest time.Duration
	for _, r := range t.rules {
		longest = max(longest, r.ActionInterval)
	}
	now := t.now()
	for k, at := range t.fired {
		if now.Sub(at) >= longest {
			delete(t.fired, k)
		}
	}
}
