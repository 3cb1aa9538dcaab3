// Package pipeline turns accepted events into stored ones.
//
//	ingest ──Submit──▶ topic "event.accepted" ──▶ N process workers
//	    (normalize → group with the project's configuration → title/culprit)
//	    ──▶ topic "event.processed"
//	    ──▶ one writer (batched transactions) ──▶ store; OnAlert after commit
//
// Grouping: each event is grouped with its project's configuration
// (Accepted.Grouping, "" for the grouper's default). While the project is
// in a transition between configurations the event is grouped with the
// previous one too, and that hash goes to the store as a fallback
// (core.EventWrite.Fallbacks), so an event whose new hash is unknown joins
// the issue its old hash names.
//
// Invariants:
//
//   - Submit never blocks: a full "event.accepted" answers ERATELIMITED so
//     ingestion says 429 before it says 200.
//   - Every event Submit took ends in the store, as an event or as a
//     rejected event with its reason. A panic while processing one event is
//     recovered and recorded as a rejection; the workers go on.
//   - A storage error (the database unreachable, its disk full, read-only:
//     an EUNAVAILABLE error from the store, or any error while Ping fails)
//     is never the data's fault: the writer keeps the batch and retries it
//     with backoff until it commits. Meanwhile Writable reports the error,
//     Submit refuses new events with EUNAVAILABLE (ingestion answers 503
//     before accepting), and a waiter of an event in the failing batch is
//     told EUNAVAILABLE (ingest.ack: committed answers 503, not 200). The
//     first commit that succeeds clears the state, so ingestion resumes by
//     itself.
//   - A batch the database refuses for its data is bisected, so one
//     refused event among n costs O(log n) transactions and is kept as
//     rejected while the others are stored.
//   - Stop drains: it closes the accepted topic, waits for the workers,
//     then for the writer to commit everything queued.
//
// With a spool (Options.Spool, ingest.ack: spooled), Submit first appends
// the event to the spool and returns only once it is on disk there (group
// commit: one fsync for the events submitted meanwhile). An event that
// leaves the writer for good (stored, a duplicate, kept as rejected, or
// dropped for a deleted project) is passed to Spool.Done; the spool marks it
// done once the database's commit is durable (its barrier) and gives the
// space back. After a crash, Replay hands every event the spool still holds
// to the workers again, before ingestion accepts new ones; the store knows
// the ones it already has by event id (duplicates change nothing).
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/bus"
	"github.com/periscope-hq/periscope/core/spool"
)

// Grouper decides an event's fingerprint (package rules implements it).
type Grouper interface {
	// GroupWithConfig groups ev under the grouping configuration id; ""
	// means the grouper's default. The Grouping names the configuration.
	GroupWithConfig(ev *core.EventData, id string) core.Grouping
}

// Store is what the pipeline needs of the database.
type Store interface {
	core.EventWriter
	Ping(ctx context.Context) error
}

// Options tunes the pipeline; zero values take defaults.
type Options struct {
	Workers   int // process goroutines (default: one per CPU)
	QueueSize int // capacity of event.accepted (default 20000)
	// QueueBytes bounds the payload bytes held between Submit and commit
	// (default 64 MiB), so that memory stays bounded whatever the events'
	// sizes: QueueSize events of up to 1 MiB each would not be.
	QueueBytes int64
	BatchSize  int // most events per transaction (default 500)
	// Linger is how long the writer pauses after committing a small batch
	// under load, so that the next one is larger (default 10ms; negative
	// disables). With ingest.ack "committed" it adds up to this much to
	// the answer's latency under load; a lone event never waits.
	Linger time.Duration
	// OnAlert is called after a commit that created alerts (to wake the
	// dispatcher). It must not block.
	OnAlert func()
	// OnWritten, when set, is called after every write with what it did
	// for one project (once per project of a batch). It must not block.
	OnWritten func(project int64, w Written)
	// OnCommit, when set, is called after every WriteEvents transaction,
	// failed ones included, with its events, its duration and its error
	// (metrics). It must not block.
	OnCommit func(events int, took time.Duration, err error)
	// ProbeEvery is how often, while the writer is idle, a store that is a
	// WriteProber is checked for taking writes, so that Writable reports
	// a read-only or full database before an event meets it (default 5s;
	// negative disables).
	ProbeEvery time.Duration
	// Symbolicate, when set, rewrites an event's frames before it is
	// grouped (JavaScript source maps, core/sourcemap) and reports whether
	// it changed the event; the changed event is then stored as the
	// event's normalized data beside the payload as sent. It must be safe
	// for concurrent use and never panic on bad input (a panic is
	// recovered and the event kept as rejected).
	Symbolicate func(ctx context.Context, projectID int64, ev *core.EventData) bool
	// Spool, when set, makes Submit return only once the event is on disk
	// in it (ingest.ack: spooled); the caller opens it, and closes it
	// after Stop.
	Spool *spool.Spool
}

// Written counts what one write did for one project.
type Written struct {
	Stored     int64 // new events
	Duplicates int64 // events already stored under the same id
	Rejected   int64 // events kept as rejected (they could not be processed)
}

// WriteProber is a store that can cheaply check that the database takes
// writes; the error is EUNAVAILABLE when it does not.
type WriteProber interface {
	ProbeWrite(ctx context.Context) error
}

// Stats counts what the pipeline did since start.
type Stats struct {
	Processed    atomic.Int64
	Stored       atomic.Int64
	Duplicates   atomic.Int64
	Rejected     atomic.Int64
	Panics       atomic.Int64
	Batches      atomic.Int64
	WriteRetries atomic.Int64
	// Transactions counts the writer's calls to WriteEvents and
	// WriteRejected, failed ones included.
	Transactions atomic.Int64
}

// Pipeline is the processing and writing half of ingestion.
type Pipeline struct {
	store   Store
	grouper Grouper
	logger  *slog.Logger
	opts    Options

	accepted  *bus.Topic[*entry]
	processed *bus.Topic[*item]
	// slots counts the events published to accepted and not yet taken by
	// a worker, so that Submit reserves room before it writes to the
	// spool and the publish after it cannot find the topic full.
	slots atomic.Int64
	// spoolErr holds the spool's last write error, nil once a write
	// succeeded (Writable reports it).
	spoolErr atomic.Pointer[error]

	stats   Stats
	stopped atomic.Bool
	held    atomic.Int64 // payload bytes submitted and not yet stored
	// writeErr holds the storage error of the writer's last write, nil
	// once a write succeeded.
	writeErr atomic.Pointer[error]
	// inflight is the batch the writer is storing (writer goroutine only).
	inflight  []*item
	writing   atomic.Bool  // the writer is storing a batch
	lastOK    atomic.Int64 // UnixNano of the last successful write
	probeQuit chan struct{}
	probeDone chan struct{}
	downMu    sync.Mutex
	downCh    chan struct{} // closed while writeErr is set (see Unwritable)
	downShut  bool          // downCh is closed
}

// entry is one event on the accepted topic.
type entry struct {
	acc    *core.Accepted
	seq    uint64          // its spool record, 0 without a spool
	replay *sync.WaitGroup // Replay's, when it is replayed
}

// item is one processed event (or rejection) on its way to the writer.
type item struct {
	seq       uint64          // the event's spool record (0: none)
	replay    *sync.WaitGroup // Replay's, when it is replayed
	acc       *core.Accepted
	event     *core.Event
	fallbacks []core.Fingerprint // the previous configuration's hash, during a transition
	rejected  *core.RejectedEvent
	notified  bool // acc.Done has had its one value
}

// New returns a pipeline; call Start before Submit.
func New(store Store, grouper Grouper, logger *slog.Logger, opts Options) *Pipeline {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 20000
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.QueueBytes <= 0 {
		opts.QueueBytes = 64 << 20
	}
	if opts.Linger == 0 {
		opts.Linger = 10 * time.Millisecond
	}
	if opts.ProbeEvery == 0 {
		opts.ProbeEvery = 5 * time.Second
	}
	return &Pipeline{
		store:     store,
		grouper:   grouper,
		logger:    logger,
		opts:      opts,
		downCh:    make(chan struct{}),
		accepted:  bus.NewTopic[*entry]("event.accepted", opts.QueueSize),
		processed: bus.NewTopic[*item]("event.processed", 4*opts.BatchSize),
	}
}

// Start launches the workers and the writer.
func (p *Pipeline) Start() {
	p.accepted.Subscribe(p.opts.Workers, p.processOne)
	p.processed.SubscribeBatch(p.opts.BatchSize, p.writeBatch)
	if prober, ok := p.store.(WriteProber); ok && p.opts.ProbeEvery > 0 {
		p.probeQuit, p.probeDone = make(chan struct{}), make(chan struct{})
		go p.probeLoop(prober)
	}
}

// probeLoop checks, while the writer is idle, that the database takes
// writes: a failure makes Writable report it (and Submit refuse) before an
// event meets it; a success clears a failure the probe found.
func (p *Pipeline) probeLoop(prober WriteProber) {
	defer close(p.probeDone)
	t := time.NewTicker(p.opts.ProbeEvery)
	defer t.Stop()
	for {
		select {
		case <-p.probeQuit:
			return
		case <-t.C:
		}
		p.probeSpool()
		failing := p.writeErr.Load() != nil
		if p.writing.Load() || (!failing && time.Since(time.Unix(0, p.lastOK.Load())) < p.opts.ProbeEvery) {
			continue // the writer's own writes tell
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := prober.ProbeWrite(ctx)
		cancel()
		switch {
		case err == nil:
			if !p.writing.Load() {
				p.writeOK()
			}
		case p.storageError(err):
			if !failing {
				p.logger.Error("pipeline: the database cannot write (probe); refusing new events until it can", "err", err)
			}
			p.setDown(err)
		}
	}
}

// Unwritable returns a channel that is closed while the database cannot
// write (Writable returns an error). A waiter of ingest.ack: committed
// selects on it beside its event's Done, so that it answers 503 at once
// whatever the position of its event in the queue. The channel of a later
// call is open again once the database writes again.
func (p *Pipeline) Unwritable() <-chan struct{} {
	p.downMu.Lock()
	defer p.downMu.Unlock()
	return p.downCh
}

// setDown records a storage error and closes the Unwritable channel.
func (p *Pipeline) setDown(err error) {
	p.writeErr.Store(&err)
	p.downMu.Lock()
	defer p.downMu.Unlock()
	if !p.downShut {
		p.downShut = true
		close(p.downCh)
	}
}

// Submit queues an accepted event. It returns an ERATELIMITED *core.Error
// when the queue (or the spool) is full or the pipeline stopping, and the
// EUNAVAILABLE error of Writable while the database cannot write. Without
// a spool it never blocks. With one it returns once the event is on disk
// in the spool, and EUNAVAILABLE when the spool cannot be written (its
// disk full): then nothing was accepted.
func (p *Pipeline) Submit(a *core.Accepted) error {
	if err := p.dbWritable(); err != nil {
		return err
	}
	n := sizeOf(a)
	// One event is always let in when nothing is held, so an event larger
	// than QueueBytes (but within the ingest limits) is not refused forever.
	if held := p.held.Add(n); held > p.opts.QueueBytes && held != n {
		p.held.Add(-n)
		return core.Errorf(core.ERATELIMITED, "the event queue is full")
	}
	if p.slots.Add(1) > int64(p.opts.QueueSize) {
		p.slots.Add(-1)
		p.held.Add(-n)
		return core.Errorf(core.ERATELIMITED, "the event queue is full")
	}
	release := func() { p.slots.Add(-1); p.held.Add(-n) }
	e := &entry{acc: a}
	if sp := p.opts.Spool; sp != nil {
		seq, err := sp.Append(encodeAccepted(a))
		switch {
		case errors.Is(err, spool.ErrFull):
			release()
			return core.Errorf(core.ERATELIMITED, "the spool is full")
		case errors.Is(err, spool.ErrClosed):
			release()
			return core.Errorf(core.ERATELIMITED, "the server is shutting down")
		case err != nil:
			release()
			p.spoolFailed(err)
			return core.Errorf(core.EUNAVAILABLE, "the spool cannot be written: %v", err)
		}
		p.spoolOK()
		e.seq = seq
	}
	switch err := p.accepted.TryPublish(e); {
	case err == nil:
		return nil
	case e.seq != 0:
		// Stopping: the event is on disk in the spool and the next start
		// replays it, so it is accepted.
		release()
		p.logger.Info("pipeline: stopping; a spooled event is stored at the next start", "event_id", a.EventID)
		return nil
	case err == bus.ErrFull:
		release()
		return core.Errorf(core.ERATELIMITED, "the event queue is full")
	default:
		release()
		return core.Errorf(core.ERATELIMITED, "the server is shutting down")
	}
}

// Replay stores the events the spool holds from before a crash (or a stop
// that could not drain): it queues each for processing, waiting for room,
// and returns their number once every one is stored or kept as rejected,
// or ctx's error. Call it after Start and before ingestion takes events. A
// record that cannot be decoded is logged and dropped.
func (p *Pipeline) Replay(ctx context.Context) (int, error) {
	sp := p.opts.Spool
	if sp == nil {
		return 0, nil
	}
	var wg sync.WaitGroup
	n := 0
	var perr error
	err := sp.Replay(func(seq uint64, payload []byte) {
		if perr != nil {
			return
		}
		a, err := decodeAccepted(payload)
		if err != nil {
			p.logger.Error("pipeline: a spooled event cannot be read; dropped", "seq", seq, "err", err)
			sp.Done(seq)
			return
		}
		for p.slots.Add(1) > int64(p.opts.QueueSize) {
			p.slots.Add(-1)
			select {
			case <-ctx.Done():
				perr = ctx.Err()
				return
			case <-time.After(time.Millisecond):
			}
		}
		p.held.Add(sizeOf(a))
		wg.Add(1)
		if err := p.accepted.Publish(ctx, &entry{acc: a, seq: seq, replay: &wg}); err != nil {
			wg.Done()
			p.slots.Add(-1)
			p.held.Add(-sizeOf(a))
			perr = err
			return
		}
		n++
	})
	if err == nil {
		err = perr
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	return n, err
}

// spoolFailed records a spool write error for Writable.
func (p *Pipeline) spoolFailed(err error) {
	if p.spoolErr.Swap(&err) == nil {
		p.logger.Error("pipeline: the spool cannot be written; refusing events until it can", "err", err)
	}
}

// spoolOK clears a spool write error.
func (p *Pipeline) spoolOK() {
	if p.spoolErr.Load() != nil && p.spoolErr.Swap(nil) != nil {
		p.logger.Info("pipeline: the spool writes again; accepting events")
	}
}

// probeSpool checks, while a spool write error is recorded, whether the
// spool's disk takes writes again.
func (p *Pipeline) probeSpool() {
	if p.opts.Spool == nil || p.spoolErr.Load() == nil {
		return
	}
	if err := p.opts.Spool.Probe(); err == nil {
		p.spoolOK()
	}
}

// Writable returns nil when the writer's last write succeeded (or none was
// tried yet), else an EUNAVAILABLE *core.Error describing the storage error
// that keeps it retrying: the database cannot be written (disk full,
// read-only, unreachable). /readyz reports it.
func (p *Pipeline) Writable() error {
	if err := p.dbWritable(); err != nil {
		return err
	}
	if e := p.spoolErr.Load(); e != nil {
		return core.Errorf(core.EUNAVAILABLE, "the spool cannot be written: %v", *e)
	}
	return nil
}

// dbWritable is Writable for the database alone: Submit refuses while it
// fails, but tries the spool whatever its last error (a success clears it).
func (p *Pipeline) dbWritable() error {
	if e := p.writeErr.Load(); e != nil {
		return core.Errorf(core.EUNAVAILABLE, "the database cannot store events: %v", *e)
	}
	return nil
}

// writeFailed records a storage error and tells the waiters of the batch
// being written that their events are not committed (yet).
func (p *Pipeline) writeFailed(err error) {
	if p.writeErr.Load() == nil {
		p.logger.Error("pipeline: the database cannot write; refusing new events until it can", "err", err)
	}
	p.setDown(err)
	unavailable := p.Writable()
	for _, it := range p.inflight {
		it.done(unavailable)
	}
}

// writeOK records a successful write.
func (p *Pipeline) writeOK() {
	p.lastOK.Store(time.Now().UnixNano())
	if p.writeErr.Swap(nil) != nil {
		p.downMu.Lock()
		if p.downShut {
			p.downShut, p.downCh = false, make(chan struct{})
		}
		p.downMu.Unlock()
		p.logger.Info("pipeline: the database writes again; accepting events")
	}
}

// sizeOf is what an accepted event holds in memory until it is stored.
func sizeOf(a *core.Accepted) int64 {
	n := int64(len(a.Payload))
	for _, at := range a.Attachments {
		n += int64(len(at.Data))
	}
	return n
}

// HeldBytes returns the payload bytes between Submit and commit.
func (p *Pipeline) HeldBytes() int64 { return p.held.Load() }

// Queued returns how many events wait to be processed.
func (p *Pipeline) Queued() int { return p.accepted.Len() + p.processed.Len() }

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() *Stats { return &p.stats }

// Snapshot returns the counters and queue lengths by name.
func (p *Pipeline) Snapshot() map[string]int64 {
	s := &p.stats
	m := map[string]int64{
		"processed":     s.Processed.Load(),
		"stored":        s.Stored.Load(),
		"duplicates":    s.Duplicates.Load(),
		"rejected":      s.Rejected.Load(),
		"panics":        s.Panics.Load(),
		"batches":       s.Batches.Load(),
		"write_retries": s.WriteRetries.Load(),
		"transactions":  s.Transactions.Load(),
		"queued":        int64(p.Queued()),
		"queued_bytes":  p.held.Load(),
	}
	if sp := p.opts.Spool; sp != nil {
		st := sp.Stats()
		m["spool_bytes"], m["spool_pending"], m["spool_syncs"] = st.Bytes, int64(st.Pending), st.Syncs
	}
	return m
}

// Stop stops accepting, then waits until every queued event is stored or
// ctx is done.
func (p *Pipeline) Stop(ctx context.Context) error {
	p.accepted.Close()
	if err := p.accepted.Wait(ctx); err != nil {
		return err
	}
	p.processed.Close()
	err := p.processed.Wait(ctx)
	p.stopped.Store(true)
	if p.probeQuit != nil {
		close(p.probeQuit)
		<-p.probeDone
		p.probeQuit = nil
	}
	return err
}

// backoff returns the wait before retry n (0-based): 50ms doubling to 5s.
func backoff(n int) time.Duration {
	d := 50 * time.Millisecond << min(n, 7)
	return min(d, 5*time.Second)
}
