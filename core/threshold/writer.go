package threshold

import (
	"context"

	"github.com/periscope-hq/periscope/core"
)

// WriteStore is the store the event writer writes through (what
// core/pipeline's Store asks for).
type WriteStore interface {
	core.EventWriter
	Ping(ctx context.Context) error
}

// Writer returns store with every committed WriteEvents batch shown to t
// (Observe: a map update; the evaluation runs in the background). A nil t
// returns store itself. The wrapper keeps store's ProbeWrite, when it has
// one, so the writer's read-only and disk-full probe still reaches the
// database.
func (t *Evaluator) Writer(store WriteStore) WriteStore {
	if t == nil {
		return store
	}
	return observed{WriteStore: store, t: t}
}

type observed struct {
	WriteStore
	t *Evaluator
}

// WriteEvents writes through and then reports what was stored.
func (s observed) WriteEvents(ctx context.Context, batch []*core.EventWrite) ([]core.WriteResult, error) {
	res, err := s.WriteStore.WriteEvents(ctx, batch)
	if err == nil {
		s.t.Observe(batch, res)
	}
	return res, err
}

// ProbeWrite is the wrapped store's ProbeWrite, or nil when it has none.
func (s observed) ProbeWrite(ctx context.Context) error {
	if p, ok := s.WriteStore.(interface{ ProbeWrite(context.Context) error }); ok {
		return p.ProbeWrite(ctx)
	}
	return nil
}
