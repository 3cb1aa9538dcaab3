package threshold

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// probingStore is a write store with a ProbeWrite that fails, counting
// the batches written.
type probingStore struct {
	fake   *fakeThresholdStore
	issue  *core.Issue
	writes atomic.Int64
}

var errFull = errors.New("disk full")

func (s *probingStore) WriteEvents(_ context.Context, batch []*core.EventWrite) ([]core.WriteResult, error) {
	s.writes.Add(1)
	_, res := s.fake.write(s.issue, len(batch), time.Now())
	return res, nil
}
func (s *probingStore) WriteRejected(context.Context, *core.RejectedEvent) error { return nil }
func (s *probingStore) Ping(context.Context) error                               { return nil }
func (s *probingStore) ProbeWrite(context.Context) error                         { return errFull }

// plainStore has no ProbeWrite.
type plainStore struct{ *probingStore }

func (plainStore) ProbeWrite() {} // a different method set: not a prober

func TestWriterObservesAndKeepsProbe(t *testing.T) {
	fake := newFakeThresholdStore()
	issue := &core.Issue{ID: 9, ProjectID: 1, Status: core.StatusUnresolved}
	inner := &probingStore{fake: fake, issue: issue}
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	th, kicks := mustThresholds(t, fake, &clock, core.AlertRule{Name: "two", Events: 2, Window: time.Hour})

	w := th.Writer(inner)
	prober, ok := w.(interface{ ProbeWrite(context.Context) error })
	if !ok {
		t.Fatal("the wrapped store lost ProbeWrite: the pipeline could not see a full or read-only database")
	}
	if err := prober.ProbeWrite(context.Background()); !errors.Is(err, errFull) {
		t.Errorf("ProbeWrite = %v, want the wrapped store's %v", err, errFull)
	}
	before := th.runs.Load()
	batch := []*core.EventWrite{{Event: &core.Event{ProjectID: 1, EventID: "a"}}, {Event: &core.Event{ProjectID: 1, EventID: "b"}}}
	if _, err := w.WriteEvents(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the evaluator to run", func() bool { return th.runs.Load() > before })
	if inner.writes.Load() != 1 || fake.alertCount() != 1 || kicks.Load() != 1 {
		t.Errorf("writes %d, alerts %d, kicks %d; want the batch written once and its threshold alert raised",
			inner.writes.Load(), fake.alertCount(), kicks.Load())
	}

	var none *Evaluator
	if got := none.Writer(inner); got != WriteStore(inner) {
		t.Errorf("a nil evaluator wrapped the store: %T", got)
	}
	if err := th.Writer(plainStore{inner}).(interface{ ProbeWrite(context.Context) error }).ProbeWrite(context.Background()); err != nil {
		t.Errorf("ProbeWrite over a store without one = %v, want nil", err)
	}
}
