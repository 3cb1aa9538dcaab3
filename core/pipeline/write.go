package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// writeBatch stores one batch from the processed topic. It returns only
// when every item is stored (as an event or a rejection).
func (p *Pipeline) writeBatch(batch []*item) {
	p.stats.Batches.Add(1)
	var events []*item
	for _, it := range batch {
		if it.rejected != nil {
			p.writeRejected(it)
		} else {
			events = append(events, it)
		}
	}
	if len(events) > 0 {
		p.writeEvents(events)
	}
	// Every item of the batch is stored (or kept as rejected) by now.
	var freed int64
	for _, it := range batch {
		freed += sizeOf(it.acc)
	}
	p.held.Add(-freed)
	// Under load, let the next batch fill: every commit writes the shared
	// pages it dirtied (issue rows and indexes, counters, the tails of the
	// event indexes) to the WAL once, so a batch of 150 events costs far
	// less per event than ten batches of 15, which is what a writer that
	// commits as soon as it can gets at a few thousand events a second. A
	// trickle (fewer than lingerMin events) is written without pausing, so
	// a lone event is not delayed, and a full queue is never paused for.
	if p.opts.Linger > 0 && len(batch) >= lingerMin && len(batch) < p.opts.BatchSize/2 {
		time.Sleep(p.opts.Linger)
	}
}

// lingerMin is the smallest batch that counts as load for Options.Linger.
const lingerMin = 8

// writeEvents retries while the database is unreachable and splits the
// batch when the database refuses it while reachable.
func (p *Pipeline) writeEvents(items []*item) {
	writes := make([]*core.EventWrite, len(items))
	for i, it := range items {
		writes[i] = &core.EventWrite{Event: it.event}
	}
	retriedReachable := false
	for attempt := 0; ; attempt++ {
		res, err := p.store.WriteEvents(context.Background(), writes)
		if err == nil {
			p.committed(items, res)
			return
		}
		if p.reachable() {
			// The database answers again: a failure it did not explain
			// (not EINVALID/ENOTFOUND) may have been the outage ending,
			// so try once more before blaming the data.
			if code := core.ErrorCode(err); !retriedReachable && code != core.EINVALID && code != core.ENOTFOUND {
				retriedReachable = true
				p.stats.WriteRetries.Add(1)
				continue
			}
			if len(items) == 1 {
				p.logger.Error("pipeline: the database refused an event; kept as rejected", "event_id", items[0].event.EventID, "err", err)
				p.writeRejected(rejected(items[0].acc, "storage refused the event: "+err.Error()))
				return
			}
			for _, it := range items {
				p.writeEvents([]*item{it})
			}
			return
		}
		p.stats.WriteRetries.Add(1)
		p.logger.Warn("pipeline: database unreachable; retrying batch", "events", len(items), "attempt", attempt+1, "err", err)
		time.Sleep(backoff(attempt))
	}
}

func (p *Pipeline) committed(items []*item, res []core.WriteResult) {
	alerts := false
	var written map[int64]*Written
	if p.opts.OnWritten != nil {
		written = map[int64]*Written{}
	}
	for i, it := range items {
		if i < len(res) {
			var w *Written
			if written != nil {
				if w = written[it.event.ProjectID]; w == nil {
					w = &Written{}
					written[it.event.ProjectID] = w
				}
			} else {
				w = &Written{}
			}
			if res[i].Duplicate {
				p.stats.Duplicates.Add(1)
				w.Duplicates++
			} else {
				p.stats.Stored.Add(1)
				w.Stored++
			}
			if res[i].AlertID != 0 {
				alerts = true
			}
		}
		done(it.acc, nil)
	}
	for project, w := range written {
		p.opts.OnWritten(project, *w)
	}
	if alerts && p.opts.OnAlert != nil {
		p.opts.OnAlert()
	}
}

func (p *Pipeline) writeRejected(it *item) {
	for attempt := 0; ; attempt++ {
		err := p.store.WriteRejected(context.Background(), it.rejected)
		if err == nil {
			p.stats.Rejected.Add(1)
			if p.opts.OnWritten != nil {
				p.opts.OnWritten(it.rejected.ProjectID, Written{Rejected: 1})
			}
			done(it.acc, errors.New(it.rejected.Reason))
			return
		}
		if p.reachable() && attempt >= 3 {
			p.logger.Error("pipeline: cannot store a rejected event", "event_id", it.rejected.EventID, "reason", it.rejected.Reason, "err", err)
			done(it.acc, err)
			return
		}
		time.Sleep(backoff(attempt))
	}
}

func (p *Pipeline) reachable() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return p.store.Ping(ctx) == nil
}

func done(a *core.Accepted, err error) {
	if a != nil && a.Done != nil {
		a.Done <- err
	}
}
