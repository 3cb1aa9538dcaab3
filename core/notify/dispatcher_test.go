package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
)

// fastConfig retries within milliseconds so tests run quickly.
func fastConfig() Config {
	return Config{
		AllowPrivateNetworks: true,
		PublicURL:            "https://periscope.example.com/",
		PollInterval:         10 * time.Millisecond,
		AttemptTimeout:       20 * time.Second,
		Lease:                time.Minute,
		Backoff:              Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond, MaxAttempts: 10},
	}
}

func testIssue() *core.Issue {
	t0 := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	return &core.Issue{
		ID: 42, ProjectID: 1, Title: "ValueError: bad input", Culprit: "app.main in run", Level: core.LevelError,
		Platform: "python", Status: core.StatusUnresolved, FirstSeen: t0, LastSeen: t0.Add(time.Minute), Count: 2,
		LastEventID: "0123456789abcdef0123456789abcdef",
	}
}

// mustDispatcher starts a dispatcher over store with a real host, stopped
// when tb ends.
func mustDispatcher(tb testing.TB, store *fakeStore, cfg Config) (*Dispatcher, *Host) {
	tb.Helper()
	h := mustHost(tb, cfg)
	d := NewDispatcher(store, h, cfg)
	d.Events = fakeEvents{"0123456789abcdef0123456789abcdef": {
		EventID: "0123456789abcdef0123456789abcdef", Environment: "production", Release: "app@2.0.0",
		Tags: []core.Tag{{Key: "browser", Value: "Firefox 128"}, {Key: "browser", Value: "shadowed"}},
	}}
	d.Start()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = d.Stop(ctx)
	})
	return d, h
}

func webhookDest(id int64, url, when string) *core.Destination {
	return &core.Destination{ID: id, Name: "hook", Plugin: "webhook", Config: map[string]any{"url": url}, When: when}
}

func TestRetryThenSuccess(t *testing.T) {
	r := mustReceiver(t, func(i int) int {
		if i < 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	store := newFakeStore()
	store.add(1, webhookDest(1, r.URL, ""), testIssue())
	mustDispatcher(t, store, fastConfig())
	waitFor(t, "delivery", func() bool { return store.state(1) != core.NotificationPending })

	n, attempts := store.get(1)
	if n.State != core.NotificationDelivered || n.Attempts != 4 || len(attempts) != 4 {
		t.Fatalf("state %s after %d attempts (%d recorded), want delivered after 4", n.State, n.Attempts, len(attempts))
	}
	for i, a := range attempts[:3] {
		if a.Err == "" || a.Permanent || !strings.Contains(a.Err, "500") || a.NextAt.Before(a.At) {
			t.Errorf("attempt %d = %+v, want a retryable HTTP 500 with a next time", i+1, a)
		}
	}
	if attempts[3].Err != "" {
		t.Errorf("last attempt = %+v, want success", attempts[3])
	}
	if r.count() != 4 {
		t.Errorf("receiver got %d requests, want 4", r.count())
	}
	// Every attempt carries the same idempotency key and the full payload.
	for i := 0; i < r.count(); i++ {
		body, head := r.request(i)
		if head.Get("X-Periscope-Idempotency-Key") != "alert-1-dest-1" {
			t.Errorf("request %d idempotency key %q", i, head.Get("X-Periscope-Idempotency-Key"))
		}
		var p sdk.Notification
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Issue.URL != "https://periscope.example.com/issues/42" || p.IssueURL != p.Issue.URL || p.Event.Environment != "production" ||
			p.Event.Release != "app@2.0.0" || p.Event.TagValue("browser") != "Firefox 128" || p.Alert.Kind != sdk.KindNewIssue ||
			p.Project.Name != "checkout" || p.Issue.Count != 2 {
			t.Errorf("payload = %+v", p)
		}
	}
}

func TestPermanentFailure(t *testing.T) {
	r := mustReceiver(t, always(http.StatusNotFound))
	store := newFakeStore()
	store.add(1, webhookDest(1, r.URL, ""), testIssue())
	mustDispatcher(t, store, fastConfig())
	waitFor(t, "the failure", func() bool { return store.state(1) != core.NotificationPending })

	n, attempts := store.get(1)
	if n.State != core.NotificationFailed || len(attempts) != 1 || !attempts[0].Permanent || !strings.Contains(attempts[0].Err, "404") {
		t.Errorf("state %s, attempts %+v; want failed after one permanent 404", n.State, attempts)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	r := mustReceiver(t, always(http.StatusServiceUnavailable))
	store := newFakeStore()
	store.add(1, webhookDest(1, r.URL, ""), testIssue())
	cfg := fastConfig()
	cfg.Backoff.MaxAttempts = 3
	mustDispatcher(t, store, cfg)
	waitFor(t, "giving up", func() bool { return store.state(1) != core.NotificationPending })

	n, attempts := store.get(1)
	if n.State != core.NotificationFailed || len(attempts) != 3 || !strings.HasPrefix(attempts[2].Err, "giving up after 3 attempts") {
		t.Errorf("state %s, attempts %+v; want failed after 3", n.State, attempts)
	}
}

func TestBadConfigFailsForGood(t *testing.T) {
	store := newFakeStore()
	dest := &core.Destination{ID: 1, Name: "hook", Plugin: "webhook", Config: map[string]any{"url": 12}}
	store.add(1, dest, testIssue())
	mustDispatcher(t, store, fastConfig())
	waitFor(t, "the failure", func() bool { return store.state(1) != core.NotificationPending })
	if _, attempts := store.get(1); len(attempts) != 1 || !attempts[0].Permanent || !strings.Contains(attempts[0].Err, "url") {
		t.Errorf("attempts = %+v, want one permanent config error naming url", attempts)
	}
}

func TestSkippedByWhen(t *testing.T) {
	r := mustReceiver(t, always(200))
	store := newFakeStore()
	store.add(1, webhookDest(1, r.URL, `issue.level == "fatal"`), testIssue())
	store.add(2, webhookDest(2, r.URL, `alert.kind == "new_issue" && event.tags["browser"] startsWith "Firefox" && project.name == "checkout"`), testIssue())
	mustDispatcher(t, store, fastConfig())
	waitFor(t, "both decided", func() bool {
		return store.state(1) != core.NotificationPending && store.state(2) != core.NotificationPending
	})
	if n, attempts := store.get(1); n.State != core.NotificationSkipped || len(attempts) != 1 || !attempts[0].Skipped {
		t.Errorf("filtered out: state %s, attempts %+v; want skipped", n.State, attempts)
	}
	if n, _ := store.get(2); n.State != core.NotificationDelivered {
		t.Errorf("matching filter: state %s, want delivered", n.State)
	}
	if r.count() != 1 {
		t.Errorf("receiver got %d requests, want 1", r.count())
	}
}

// TestPluginKilledMidDelivery kills the plugin process while it waits on
// the receiver: the attempt fails, the plugin is restarted, and the retry
// arrives.
func TestPluginKilledMidDelivery(t *testing.T) {
	inFlight := make(chan struct{}, 1)
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("X-Periscope-Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if first {
			inFlight <- struct{}{}
			<-release // hang until the test is over: only the kill ends this attempt
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	defer once.Do(func() { close(release) }) // unblock the handler before srv.Close waits for it

	store := newFakeStore()
	store.add(1, webhookDest(1, srv.URL, ""), testIssue())
	_, h := mustDispatcher(t, store, fastConfig())
	<-inFlight
	pids := pluginPIDs(h)
	if len(pids) != 1 {
		t.Fatalf("plugin pids = %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "redelivery", func() bool { return store.state(1) != core.NotificationPending })

	n, attempts := store.get(1)
	if n.State != core.NotificationDelivered || len(attempts) != 2 || attempts[0].Err == "" || attempts[0].Permanent {
		t.Fatalf("state %s, attempts %+v; want a retryable failure then delivery", n.State, attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 2 || keys[0] != keys[1] {
		t.Errorf("receiver saw keys %v, want the same key twice", keys)
	}
	if now := pluginPIDs(h); len(now) != 1 || now[0] == pids[0] {
		t.Errorf("plugin pids after the kill = %v, want one new process", now)
	}
}

// TestStopFinishesInFlight stops the dispatcher while a delivery waits on
// the receiver: Stop returns only after it was delivered and recorded.
func TestStopFinishesInFlight(t *testing.T) {
	inFlight, release := make(chan struct{}, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight <- struct{}{}
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	store := newFakeStore()
	store.add(1, webhookDest(1, srv.URL, ""), testIssue())
	cfg := fastConfig()
	h := mustHost(t, cfg)
	d := NewDispatcher(store, h, cfg)
	d.Start()
	<-inFlight

	stopped := make(chan error, 1)
	go func() { stopped <- d.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a delivery was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if n, attempts := store.get(1); n.State != core.NotificationDelivered || len(attempts) != 1 {
		t.Errorf("after Stop: state %s, attempts %+v; want delivered and recorded", n.State, attempts)
	}
}

// TestForcedStopLeavesRowToLease cancels a stuck delivery with Stop's
// context: nothing is recorded, the row stays leased, and a new dispatcher
// (a restarted Periscope) delivers the notification once the lease has run
// out. Nothing here depends on timing: the stuck request is seen through a
// channel, the attempt timeout is far longer than the test, and the
// restarted dispatcher's clock is set past the lease instead of sleeping.
func TestForcedStopLeavesRowToLease(t *testing.T) {
	var mu sync.Mutex
	hits := 0
	arrived := make(chan struct{})
	stuck := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		first := hits == 1
		mu.Unlock()
		if first {
			close(arrived)
			select {
			case <-stuck:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { close(stuck); srv.Close() })

	store := newFakeStore()
	store.add(1, webhookDest(1, srv.URL, ""), testIssue())
	cfg := fastConfig() // AttemptTimeout 20s, Lease 1m: failure guards only
	h := mustHost(t, cfg)
	d := NewDispatcher(store, h, cfg)
	d.Start()
	select {
	case <-arrived:
	case <-time.After(time.Minute):
		t.Fatal("the first attempt never reached the receiver")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Stop(ctx); err == nil {
		t.Fatal("forced Stop returned nil, want the context's error")
	}
	if n, attempts := store.get(1); len(attempts) != 0 || n.State != core.NotificationPending {
		t.Fatalf("forced stop left state %s, attempts %+v; want pending with nothing recorded", n.State, attempts)
	}
	if ns, _ := store.ClaimNotifications(context.Background(), time.Now(), 10, cfg.Lease); len(ns) != 0 {
		t.Fatalf("the notification could be claimed again right after the forced stop; want it leased until the lease runs out")
	}

	d2 := NewDispatcher(store, h, cfg)
	d2.Now = func() time.Time { return time.Now().Add(cfg.Lease + time.Second) }
	d2.Start()
	t.Cleanup(func() { _ = d2.Stop(context.Background()) })
	waitFor(t, "delivery after restart", func() bool { return store.state(1) == core.NotificationDelivered })
	if _, attempts := store.get(1); len(attempts) != 1 || attempts[0].Err != "" {
		t.Errorf("attempts after restart %+v, want exactly one, successful", attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 2 {
		t.Errorf("the receiver got %d requests, want 2 (the cancelled one and the redelivery)", hits)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 10 * time.Second, MaxAttempts: 5}
	for failures, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 60: 10 * time.Second} {
		if got := retryDelay(b, failures); got != want {
			t.Errorf("Delay(%d) = %v, want %v", failures, got, want)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	d := NewDispatcher(newFakeStore(), nil, Config{Backoff: Backoff{Base: time.Second, Max: time.Minute, MaxAttempts: 5}})
	n := &core.Notification{ID: 1, Destination: &core.Destination{Name: "x"}}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return at }
	for _, tc := range []struct {
		err  error
		want time.Duration
	}{
		{sdk.RetryAfter(errTest("429"), 30*time.Second), 30 * time.Second},
		{sdk.RetryAfter(errTest("429"), time.Hour), time.Minute},        // capped at Max
		{sdk.RetryAfter(errTest("429"), time.Millisecond), time.Second}, // never below the backoff
	} {
		a := d.outcome(n, tc.err)
		if got := a.NextAt.Sub(at); got != tc.want || a.Permanent {
			t.Errorf("outcome(%v) next in %v (permanent %v), want %v", tc.err, got, a.Permanent, tc.want)
		}
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	err := (Config{Workers: -1, Lease: time.Second, AttemptTimeout: time.Minute, Backoff: Backoff{Base: time.Hour, Max: time.Minute}}).Validate()
	for _, key := range []string{"notify.workers", "notify.lease", "notify.backoff.max"} {
		if err == nil || !strings.Contains(err.Error(), "field="+key) {
			t.Errorf("Validate error %v does not name %s", err, key)
		}
	}
}
