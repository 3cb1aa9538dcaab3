package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/rules"
)

// flakyStore wraps a real SQLite store to inject failures.
type flakyStore struct {
	*sqlite.DB
	down      atomic.Int64 // writes (and pings) fail while > 0; each write decrements
	refuseIDs map[string]bool
	// full makes every write fail as a full disk does: the database
	// answers pings, and the store says EUNAVAILABLE.
	full  atomic.Bool
	gate  chan struct{} // when not nil, writes wait until it is closed
	calls atomic.Int64  // WriteEvents calls
}

func (s *flakyStore) WriteEvents(ctx context.Context, b []*core.EventWrite) ([]core.WriteResult, error) {
	s.calls.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	if s.full.Load() {
		return nil, fmt.Errorf("sqlite: commit: %w", core.Errorf(core.EUNAVAILABLE, "database or disk is full"))
	}
	if s.down.Load() > 0 {
		s.down.Add(-1)
		return nil, errors.New("connection refused")
	}
	for _, w := range b {
		if s.refuseIDs[w.Event.EventID] {
			return nil, core.Errorf(core.EINVALID, "batch: event %s refused", w.Event.EventID)
		}
	}
	return s.DB.WriteEvents(ctx, b)
}

func (s *flakyStore) WriteRejected(ctx context.Context, r *core.RejectedEvent) error {
	if s.full.Load() {
		return fmt.Errorf("sqlite: insert rejected event: %w", core.Errorf(core.EUNAVAILABLE, "database or disk is full"))
	}
	return s.DB.WriteRejected(ctx, r)
}

func (s *flakyStore) ProbeWrite(ctx context.Context) error {
	if s.full.Load() {
		return core.Errorf(core.EUNAVAILABLE, "database or disk is full")
	}
	return s.DB.ProbeWrite(ctx)
}

func (s *flakyStore) Ping(ctx context.Context) error {
	if s.down.Load() > 0 {
		return errors.New("connection refused")
	}
	return s.DB.Ping(ctx)
}

func mustStore(tb testing.TB) (*flakyStore, *core.Project) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "p.db"), sqlite.WithMigrate())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	p := &core.Project{Name: "p"}
	if err := db.CreateProject(context.Background(), p); err != nil {
		tb.Fatal(err)
	}
	return &flakyStore{DB: db, refuseIDs: map[string]bool{}}, p
}

type panicky struct{}

func (panicky) GroupWithConfig(ev *core.EventData, id string) core.Grouping {
	if ev.LogEntry.Text() == "panic please" {
		panic("grouper exploded")
	}
	return rules.NewHolder(nil).GroupWithConfig(ev, id)
}

func accepted(p *core.Project, i int, payload string) *core.Accepted {
	return &core.Accepted{ProjectID: p.ID, EventID: fmt.Sprintf("%032x", i), ItemType: "event",
		Payload: []byte(payload), Received: time.Now().UTC(), Done: make(chan error, 1)}
}

func msg(text string) string { return fmt.Sprintf(`{"message":%q,"level":"info"}`, text) }

func newPipeline(tb testing.TB, st pipeline.Store, g pipeline.Grouper, o pipeline.Options) *pipeline.Pipeline {
	p := pipeline.New(st, g, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	p.Start()
	return p
}

func TestEveryAcceptedEventEndsStoredOrRejected(t *testing.T) {
	st, proj := mustStore(t)
	p := newPipeline(t, st, panicky{}, pipeline.Options{Workers: 2, BatchSize: 8})
	inputs := []*core.Accepted{
		accepted(proj, 1, msg("fine")),
		accepted(proj, 2, `{"message": oops`),  // invalid JSON
		accepted(proj, 3, msg("panic please")), // the grouper panics
		accepted(proj, 4, `[1,2,3]`),           // not an object
		accepted(proj, 5, msg("fine again")),
	}
	for _, a := range inputs {
		if err := p.Submit(a); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range inputs {
		select {
		case err := <-a.Done:
			if wantErr := i == 1 || i == 2 || i == 3; (err != nil) != wantErr {
				t.Errorf("event %d: done with %v, want error=%v", i+1, err, wantErr)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d never finished", i+1)
		}
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Snapshot()
	if s["stored"] != 2 || s["rejected"] != 3 || s["panics"] != 1 {
		t.Fatalf("stats %v, want 2 stored, 3 rejected, 1 panic", s)
	}
	if _, err := st.FindEventByID(context.Background(), proj.ID, fmt.Sprintf("%032x", 5)); err != nil {
		t.Fatalf("the event after the bad ones was not stored: %v", err)
	}
}

func TestDatabaseBrieflyGone(t *testing.T) {
	st, proj := mustStore(t)
	st.down.Store(3) // the first three writes fail and Ping says the database is down
	// Queued before the start: once a write fails, Submit refuses new events.
	p := pipeline.New(st, rules.NewHolder(nil), slog.New(slog.NewTextHandler(io.Discard, nil)), pipeline.Options{Workers: 1, BatchSize: 4})
	for i := 1; i <= 10; i++ {
		if err := p.Submit(accepted(proj, i, msg(fmt.Sprintf("event %d", i)))); err != nil {
			t.Fatal(err)
		}
	}
	p.Start()
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := p.Snapshot()
	// Three failed writes: two while Ping also failed (retried whole), the
	// third with the database back (the batch is split and written).
	if s["stored"] != 10 || s["write_retries"] < 2 {
		t.Fatalf("stats %v, want all 10 stored after at least 2 retries", s)
	}
}

func TestRefusedEventDoesNotBlockItsBatch(t *testing.T) {
	st, proj := mustStore(t)
	st.refuseIDs[fmt.Sprintf("%032x", 3)] = true
	p := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{Workers: 1, BatchSize: 16})
	for i := 1; i <= 6; i++ {
		if err := p.Submit(accepted(proj, i, msg("same"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.Snapshot(); s["stored"] != 5 || s["rejected"] != 1 {
		t.Fatalf("stats %v, want 5 stored and the refused one rejected", s)
	}
}

func TestSubmitWhenFullOrStopped(t *testing.T) {
	st, proj := mustStore(t)
	p := pipeline.New(st, rules.NewHolder(nil), slog.New(slog.NewTextHandler(io.Discard, nil)), pipeline.Options{QueueSize: 2})
	// Not started: nothing drains, so the third submit finds the queue full.
	for i := 1; i <= 2; i++ {
		if err := p.Submit(accepted(proj, i, msg("x"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Submit(accepted(proj, 3, msg("x"))); core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("full queue: got %v, want ERATELIMITED", err)
	}
	p.Start()
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(accepted(proj, 4, msg("x"))); core.ErrorCode(err) != core.ERATELIMITED || !strings.Contains(err.Error(), "shutting down") {
		t.Fatalf("after stop: got %v, want ERATELIMITED shutting down", err)
	}
	if s := p.Snapshot(); s["stored"] != 2 {
		t.Fatalf("stats %v, want the 2 queued events stored by Stop", s)
	}
}

// BenchmarkPipeline measures the whole hot path after HTTP: normalize,
// default grouping, title, batched write to a real SQLite file.
func BenchmarkPipeline(b *testing.B) {
	st, proj := mustStore(b)
	p := newPipeline(b, st, rules.NewHolder(nil), pipeline.Options{QueueSize: 50000})
	payload := benchPayload
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := &core.Accepted{ProjectID: proj.ID, EventID: fmt.Sprintf("%032x", i+1), ItemType: "event",
			Payload: []byte(strings.Replace(payload, "GROUP", fmt.Sprint(i%1000), 1)), Received: time.Now().UTC()}
		for p.Submit(a) != nil {
			time.Sleep(100 * time.Microsecond)
		}
	}
	if err := p.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
	if got := p.Snapshot()["stored"]; got != int64(b.N) {
		b.Fatalf("stored %d of %d", got, b.N)
	}
}

const benchPayload = `{"level":"error","platform":"go","release":"shop@1.2.3","environment":"production",
"sdk":{"name":"sentry.go","version":"0.46.2"},"tags":{"region":"eu-west-1","handler":"/api/orders"},
"contexts":{"os":{"name":"linux"},"runtime":{"name":"go","version":"go1.22"}},
"exception":[{"type":"*errors.errorStringGROUP","value":"order 123: payment step failed","stacktrace":{"frames":[
{"function":"goexit","module":"runtime","filename":"runtime/asm_amd64.s","abs_path":"/usr/local/go/src/runtime/asm_amd64.s","lineno":1650,"in_app":false},
{"function":"(*conn).serve","module":"net/http","filename":"net/http/server.go","abs_path":"/usr/local/go/src/net/http/server.go","lineno":2092,"in_app":false},
{"function":"(*Server).handleCheckout","module":"example.com/shop/internal/api","filename":"internal/api/checkout.go","abs_path":"/src/shop/internal/api/checkout.go","lineno":88,"in_app":true},
{"function":"(*Service).Place","module":"example.com/shop/internal/orders","filename":"internal/orders/place.go","abs_path":"/src/shop/internal/orders/place.go","lineno":41,"in_app":true},
{"function":"stepGROUP","module":"example.com/shop/internal/payments","filename":"internal/payments/steps.go","abs_path":"/src/shop/internal/payments/steps.go","lineno":17,"in_app":true},
{"function":"(*Conn).Exec","module":"github.com/jackc/pgx/v5","filename":"github.com/jackc/pgx/v5@v5.5.5/conn.go","abs_path":"/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/conn.go","lineno":530,"in_app":true}
]}}]}`

// TestQueueBoundedByBytes: the queue refuses by size before it refuses
// by count, and the bytes are released once stored.
func TestQueueBoundedByBytes(t *testing.T) {
	st, proj := mustStore(t)
	p := pipeline.New(st, rules.NewHolder(nil), slog.New(slog.NewTextHandler(io.Discard, nil)), pipeline.Options{QueueSize: 100, QueueBytes: 1000})
	big := msg(strings.Repeat("x", 600))
	if err := p.Submit(accepted(proj, 1, big)); err != nil {
		t.Fatalf("first event: %v", err)
	}
	if err := p.Submit(accepted(proj, 2, big)); core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("second 600-byte event past a 1000-byte bound: got %v, want ERATELIMITED", err)
	}
	if err := p.Submit(accepted(proj, 3, msg("small"))); err != nil {
		t.Fatalf("a small event still fits: %v", err)
	}
	p.Start()
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.HeldBytes(); got != 0 {
		t.Fatalf("%d bytes still held after everything was stored", got)
	}
	if s := p.Snapshot(); s["stored"] != 2 {
		t.Fatalf("stats %v, want the 2 accepted events stored", s)
	}
	// An event larger than the whole bound is let in when nothing is held.
	p2 := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{QueueBytes: 100})
	if err := p2.Submit(accepted(proj, 4, big)); err != nil {
		t.Fatalf("an event over the bound with an empty queue: %v", err)
	}
	if err := p2.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
