package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/rules"
)

// waitFor polls cond every 5 ms for up to 10 s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("timed out waiting for %s", what)
}

// TestRefusedEventIsolatedByBisection: one event the database refuses (its
// project does not exist: a foreign key violation in real SQLite) among
// n in one batch costs O(log n) transactions, not n (issue 10.4: 500
// transactions, one per event), and the others are stored.
func TestRefusedEventIsolatedByBisection(t *testing.T) {
	st, proj := mustStore(t)
	st.gate = make(chan struct{})
	const n = 256
	p := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{Workers: 1, BatchSize: 500, Linger: -1})
	// The first event's write waits at the gate while the others queue up
	// behind it, so they reach the writer as one batch.
	if err := p.Submit(accepted(proj, 1, msg("first"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first write", func() bool { return st.calls.Load() == 1 })
	ghost := &core.Project{ID: proj.ID + 1000}
	for i := 2; i <= n+1; i++ {
		pr := proj
		if i == n/2+7 {
			pr = ghost
		}
		if err := p.Submit(accepted(pr, i, msg(fmt.Sprintf("event %d", i)))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the batch to queue", func() bool { return p.Snapshot()["processed"] == n+1 })
	close(st.gate)
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Snapshot()
	// The refused event cannot be kept as rejected either (its project does
	// not exist); every other one is stored.
	if s["stored"] != n {
		t.Fatalf("stats %v, want the %d events of the existing project stored", s, n)
	}
	if _, err := st.FindEventByID(context.Background(), proj.ID, fmt.Sprintf("%032x", n/2+8)); err != nil {
		t.Errorf("the event after the refused one: %v", err)
	}
	// One call for the first event, one for the batch, then two per level
	// of bisection down to the refused event.
	limit := 2 + 2*int64(math.Ceil(math.Log2(n)))
	if got := st.calls.Load(); got > limit {
		t.Errorf("%d WriteEvents calls for a batch of %d holding one refused event, want at most %d", got, n, limit)
	}
	t.Logf("%d WriteEvents calls, %d batches", st.calls.Load(), s["batches"])
}

// TestStorageErrorKeepsEvents: while the database cannot write (a full
// disk: it answers pings and refuses every write), accepted events are kept
// and retried, never stored as rejected; a committed-ack waiter is told
// EUNAVAILABLE, not success; Submit refuses new events with EUNAVAILABLE
// and Writable reports the error; once the database writes again every
// kept event is stored and Submit accepts again, by itself (issue 10.3).
func TestStorageErrorKeepsEvents(t *testing.T) {
	st, proj := mustStore(t)
	st.full.Store(true)
	// Started after the events are queued, so that they are all accepted.
	p := pipeline.New(st, rules.NewHolder(nil), slog.New(slog.NewTextHandler(io.Discard, nil)), pipeline.Options{Workers: 1, BatchSize: 8})
	if err := p.Writable(); err != nil {
		t.Fatalf("Writable before any write: %v", err)
	}
	var kept []*core.Accepted
	for i := 1; i <= 5; i++ {
		a := accepted(proj, i, msg(fmt.Sprintf("event %d", i)))
		if i == 5 {
			a.Payload = []byte(`{"message": oops`) // a rejected event is kept too
		}
		if err := p.Submit(a); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, a)
	}
	p.Start()
	// A waiter learns that its event is not committed from its Done (the
	// batch being written) or from Unwritable (the events queued behind
	// it); none is told success.
	select {
	case err := <-kept[0].Done:
		if core.ErrorCode(err) != core.EUNAVAILABLE {
			t.Fatalf("event 1 (in the failing batch): told %v, want EUNAVAILABLE", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("event 1 (in the failing batch) was never told the commit failed")
	}
	for i, a := range kept[1:] {
		select {
		case err := <-a.Done:
			if core.ErrorCode(err) != core.EUNAVAILABLE {
				t.Fatalf("event %d: waiter told %v, want EUNAVAILABLE (not committed)", i+2, err)
			}
		case <-p.Unwritable():
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d: its waiter was never told the commit failed", i+2)
		}
	}
	if err := p.Writable(); core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("Writable while full: %v, want EUNAVAILABLE", err)
	}
	if err := p.Submit(accepted(proj, 99, msg("late"))); core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("Submit while full: %v, want EUNAVAILABLE", err)
	}
	time.Sleep(300 * time.Millisecond) // a few retries
	if s := p.Snapshot(); s["rejected"] != 0 || s["stored"] != 0 || s["write_retries"] < 2 {
		t.Fatalf("stats while full %v: want retries, nothing stored, nothing rejected", s)
	}
	st.full.Store(false) // space returns
	waitFor(t, "the kept events to be stored", func() bool { return p.Snapshot()["stored"] == 4 })
	waitFor(t, "Writable", func() bool { return p.Writable() == nil })
	select {
	case <-p.Unwritable():
		t.Fatalf("Unwritable is closed after recovery")
	default:
	}
	if err := p.Submit(accepted(proj, 100, msg("after"))); err != nil {
		t.Fatalf("Submit after recovery: %v", err)
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.Snapshot(); s["stored"] != 5 || s["rejected"] != 1 {
		t.Fatalf("stats %v, want 5 stored (4 kept + 1 after) and the invalid one rejected", s)
	}
	for i := 1; i <= 4; i++ {
		if _, err := st.FindEventByID(context.Background(), proj.ID, fmt.Sprintf("%032x", i)); err != nil {
			t.Errorf("kept event %d not stored: %v", i, err)
		}
	}
}

// TestIdleProbeReportsUnwritableDatabase: with no event to write, the
// writer's probe finds that the database cannot be written, so Writable
// (and /readyz) report it and Submit refuses before an event meets it; the
// probe also sees it writable again (issue 10.9).
func TestIdleProbeReportsUnwritableDatabase(t *testing.T) {
	st, proj := mustStore(t)
	p := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{ProbeEvery: 10 * time.Millisecond})
	defer p.Stop(context.Background())
	time.Sleep(50 * time.Millisecond)
	if err := p.Writable(); err != nil {
		t.Fatalf("Writable on a writable database: %v", err)
	}
	st.full.Store(true)
	waitFor(t, "Writable to report the full database", func() bool { return core.ErrorCode(p.Writable()) == core.EUNAVAILABLE })
	if err := p.Submit(accepted(proj, 1, msg("x"))); core.ErrorCode(err) != core.EUNAVAILABLE {
		t.Fatalf("Submit while the probe fails: %v, want EUNAVAILABLE", err)
	}
	st.full.Store(false)
	waitFor(t, "Writable after the database writes again", func() bool { return p.Writable() == nil })
}
