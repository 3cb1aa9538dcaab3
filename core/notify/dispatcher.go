package notify

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
)

// Dispatcher delivers the notification outbox: it claims due notifications
// with a lease (so several nodes never hold the same row), builds their
// payload, applies the destination's when filter, calls the plugin through
// the Host and records every attempt, retrying with exponential backoff.
//
// Create it with NewDispatcher, set the optional fields, then Start; Stop
// ends it. Kick wakes it early (after an alert is created).
type Dispatcher struct {
	// Events fills the payload's event fields (environment, release,
	// tags); optional. core.Store implements it.
	Events EventFinder
	// Logger receives delivery failures; optional.
	Logger *slog.Logger
	// Now is the clock; optional (time.Now).
	Now func() time.Time
	// OnAttempt, when set, is told the destination's plugin and the
	// outcome of every attempt recorded: delivered, retry, failed or
	// skipped (metrics). It must not block.
	OnAttempt func(plugin, outcome string)

	store Outbox
	host  *Host
	cfg   Config

	whens sync.Map // when source -> *When or error

	kick, freed chan struct{}
	stop, done  chan struct{}
	ctx         context.Context // deliveries; cancelled only by a forced Stop
	cancel      context.CancelFunc
	startOnce   sync.Once
	stopOnce    sync.Once
	wg          sync.WaitGroup
}

// Outbox is the part of core.AlertStore the dispatcher uses.
type Outbox interface {
	ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*core.Notification, error)
	RecordAttempt(ctx context.Context, id int64, a core.Attempt) error
}

// NewDispatcher returns a dispatcher over store's outbox delivering
// through host, with cfg's defaults applied.
func NewDispatcher(store Outbox, host *Host, cfg Config) *Dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &Dispatcher{
		store: store, host: host, cfg: cfg.WithDefaults(),
		kick: make(chan struct{}, 1), freed: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Start runs the dispatch loop in the background. Calling it twice does
// nothing more.
func (d *Dispatcher) Start() {
	d.startOnce.Do(func() { go d.loop() })
}

// Kick makes the loop look for due notifications now. It never blocks.
func (d *Dispatcher) Kick() { signal(d.kick) }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Stop stops claiming and waits for in-flight deliveries to finish and be
// recorded. If ctx ends first, in-flight deliveries are cancelled and left
// unrecorded (their lease expires and a later run retries them), and Stop
// returns ctx's error. Stop does not close the Host.
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.stopOnce.Do(func() {
		close(d.stop)
		d.startOnce.Do(func() { close(d.done) }) // never started
	})
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		d.cancel()
		<-d.done
		return ctx.Err()
	}
}

// loop claims as many due notifications as there are free workers,
// delivers each in its own goroutine, and sleeps until kicked, a worker
// frees up, or PollInterval passes.
func (d *Dispatcher) loop() {
	defer close(d.done)
	defer d.wg.Wait()
	sem := make(chan struct{}, d.cfg.Workers)
	timer := time.NewTimer(d.cfg.PollInterval)
	defer timer.Stop()
	for {
		select {
		case <-d.stop:
			return
		default:
		}
		free := min(d.cfg.Workers-len(sem), d.cfg.BatchSize)
		claimed := 0
		if free > 0 {
			ns, err := d.store.ClaimNotifications(d.ctx, d.now(), free, d.cfg.Lease)
			if err != nil && d.ctx.Err() == nil {
				d.log().Error("notify: claim notifications", "err", err)
			}
			for _, n := range ns {
				sem <- struct{}{}
				d.wg.Add(1)
				go func() {
					defer func() { <-sem; d.wg.Done(); signal(d.freed) }()
					d.deliver(d.ctx, n)
				}()
			}
			claimed = len(ns)
		}
		if claimed > 0 && claimed == free {
			continue // there may be more due
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(d.cfg.PollInterval)
		select {
		case <-d.stop:
			return
		case <-d.kick:
		case <-d.freed:
		case <-timer.C:
		}
	}
}

// compiledWhen caches compiled filters by source.
func (d *Dispatcher) compiledWhen(src string) (*When, error) {
	if v, ok := d.whens.Load(src); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*When), nil
	}
	w, err := CompileWhen(src)
	if err != nil {
		d.whens.Store(src, err)
		return nil, err
	}
	d.whens.Store(src, w)
	return w, nil
}

// payload builds n's payload, looking up its event when it can.
func (d *Dispatcher) payload(ctx context.Context, n *core.Notification) sdk.Notification {
	var ev *core.Event
	if id := alertEventID(n); d.Events != nil && id != "" {
		var err error
		ev, err = d.Events.FindEventByID(ctx, n.Project.ID, id)
		if err != nil {
			d.log().Debug("notify: event of alert not found", "alert", n.Alert.ID, "event", id, "err", err)
			ev = nil
		}
	}
	return BuildPayload(n, ev, d.cfg.PublicURL)
}

// deliver makes one attempt at n and records its outcome.
func (d *Dispatcher) deliver(ctx context.Context, n *core.Notification) {
	if n.Destination == nil || n.Alert == nil || n.Issue == nil || n.Project == nil {
		d.record(ctx, n, core.Attempt{At: d.now(), Err: "notification lacks its destination, alert, issue or project", Permanent: true})
		return
	}
	p := d.payload(ctx, n)
	w, err := d.compiledWhen(n.Destination.When)
	if err == nil {
		var ok bool
		if ok, err = w.Match(p); err == nil && !ok {
			d.record(ctx, n, core.Attempt{At: d.now(), Skipped: true})
			return
		}
	}
	if err != nil {
		d.record(ctx, n, core.Attempt{At: d.now(), Err: "when: " + err.Error(), Permanent: true})
		return
	}

	actx, cancel := context.WithTimeout(ctx, d.cfg.AttemptTimeout)
	err = d.host.Notify(actx, n.Destination, p)
	cancel()
	if ctx.Err() != nil {
		return // forced stop: the lease runs out and another run retries
	}
	d.record(ctx, n, d.outcome(n, err))
}

// outcome turns a delivery result into the attempt to record.
func (d *Dispatcher) outcome(n *core.Notification, err error) core.Attempt {
	a := core.Attempt{At: d.now()}
	if err == nil {
		return a
	}
	a.Err = truncate(err.Error(), 1000)
	failures := n.Attempts + 1
	switch {
	case sdk.IsPermanent(err):
		a.Permanent = true
	case failures >= d.cfg.Backoff.MaxAttempts:
		a.Permanent = true
		a.Err = truncate(fmt.Sprintf("giving up after %d attempts: %s", failures, err), 1000)
	default:
		delay := retryDelay(d.cfg.Backoff, failures)
		if ra, ok := sdk.RetryAfterOf(err); ok && ra > delay {
			delay = min(ra, d.cfg.Backoff.Max)
		}
		a.NextAt = a.At.Add(delay)
		if delay < d.cfg.PollInterval {
			time.AfterFunc(delay, d.Kick)
		}
	}
	level := slog.LevelWarn
	if a.Permanent {
		level = slog.LevelError
	}
	d.log().Log(context.Background(), level, "notify: delivery failed",
		"notification", n.ID, "destination", n.Destination.Name, "attempt", failures,
		"permanent", a.Permanent, "next_attempt", a.NextAt, "err", a.Err)
	return a
}

// record stores an attempt even while ctx is being cancelled by a forced
// stop, within a short timeout of its own.
func (d *Dispatcher) record(ctx context.Context, n *core.Notification, a core.Attempt) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.store.RecordAttempt(rctx, n.ID, a); err != nil {
		d.log().Error("notify: record attempt", "notification", n.ID, "err", err)
	}
	if d.OnAttempt != nil {
		plugin := ""
		if n.Destination != nil {
			plugin = n.Destination.Plugin
		}
		d.OnAttempt(plugin, AttemptOutcome(a))
	}
}

// AttemptOutcome names what an attempt did: delivered, retry (a failure
// tried again later), failed (given up) or skipped (the when filter).
func AttemptOutcome(a core.Attempt) string {
	switch {
	case a.Skipped:
		return "skipped"
	case a.Err == "":
		return "delivered"
	case a.Permanent:
		return "failed"
	default:
		return "retry"
	}
}

func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
