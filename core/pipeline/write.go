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
	p.inflight = batch
	p.writing.Store(true)
	defer func() { p.inflight = nil; p.writing.Store(false) }()
	var events []*item
	for _, it := range batch {
		if it.rejected != nil {
			p.writeRejected(it)
		} else {
			events = append(events, it)
		}
	}
	if len(events) > 0 {
		p.writeEvents(events, true)
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

// writeEvents stores items in one transaction. While the database cannot
// write (a storage error: disk full, read-only, unreachable) it keeps the
// batch and retries with backoff, for as long as it takes: a storage error
// is not the data's fault. When the database refuses the batch for its
// data, it bisects, so one refused event among n costs O(log n)
// transactions, and keeps the refused event as rejected. top is true for
// a batch from the topic (not a half of one).
func (p *Pipeline) writeEvents(items []*item, top bool) {
	writes := make([]*core.EventWrite, len(items))
	for i, it := range items {
		writes[i] = &core.EventWrite{Event: it.event, Fallbacks: it.fallbacks}
	}
	retried := !top
	for attempt := 0; ; attempt++ {
		p.stats.Transactions.Add(1)
		start := time.Now()
		res, err := p.store.WriteEvents(context.Background(), writes)
		if p.opts.OnCommit != nil {
			p.opts.OnCommit(len(writes), time.Since(start), err)
		}
		if err == nil {
			p.writeOK()
			p.committed(items, res)
			return
		}
		if p.storageError(err) {
			p.writeFailed(err)
			p.stats.WriteRetries.Add(1)
			p.logger.Warn("pipeline: the database cannot write; keeping the batch and retrying", "events", len(items), "attempt", attempt+1, "err", err)
			time.Sleep(backoff(attempt))
			continue
		}
		// The database answers and refused the batch. A failure it did not
		// explain (not EINVALID/ENOTFOUND) may have been an outage ending,
		// so try once more before blaming the data.
		if code := core.ErrorCode(err); !retried && code != core.EINVALID && code != core.ENOTFOUND {
			retried = true
			p.stats.WriteRetries.Add(1)
			continue
		}
		if len(items) == 1 {
			p.logger.Error("pipeline: the database refused an event; kept as rejected", "event_id", items[0].event.EventID, "err", err)
			it := items[0]
			it.rejected, it.event = rejected(it.acc, "storage refused the event: "+err.Error()).rejected, nil
			p.writeRejected(it)
			return
		}
		half := len(items) / 2
		p.writeEvents(items[:half], false)
		p.writeEvents(items[half:], false)
		return
	}
}

// storageError reports whether err says the database cannot write now
// rather than that it refuses this data: an EUNAVAILABLE error from the
// store, or any error while the database does not answer a ping.
func (p *Pipeline) storageError(err error) bool {
	return core.ErrorCode(err) == core.EUNAVAILABLE || !p.reachable()
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
		it.done(nil)
	}
	p.finished(items...)
	for project, w := range written {
		p.opts.OnWritten(project, *w)
	}
	if alerts && p.opts.OnAlert != nil {
		p.opts.OnAlert()
	}
}

// writeRejected keeps a rejected event. A rejected event is stored the
// same way whatever it holds, so any failure is the database's: it is
// retried until it succeeds, except for an event whose project is gone.
func (p *Pipeline) writeRejected(it *item) {
	for attempt := 0; ; attempt++ {
		p.stats.Transactions.Add(1)
		err := p.store.WriteRejected(context.Background(), it.rejected)
		if err == nil {
			p.writeOK()
			p.stats.Rejected.Add(1)
			if p.opts.OnWritten != nil {
				p.opts.OnWritten(it.rejected.ProjectID, Written{Rejected: 1})
			}
			it.done(errors.New(it.rejected.Reason))
			p.finished(it)
			return
		}
		if core.ErrorCode(err) == core.ENOTFOUND || core.ErrorCode(err) == core.EINVALID {
			p.logger.Error("pipeline: cannot store a rejected event", "event_id", it.rejected.EventID, "reason", it.rejected.Reason, "err", err)
			it.done(err)
			p.finished(it)
			return
		}
		p.writeFailed(err)
		p.stats.WriteRetries.Add(1)
		p.logger.Warn("pipeline: the database cannot write; retrying a rejected event", "event_id", it.rejected.EventID, "attempt", attempt+1, "err", err)
		time.Sleep(backoff(attempt))
	}
}

func (p *Pipeline) reachable() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return p.store.Ping(ctx) == nil
}

// finished tells the spool (and Replay) that items left the writer for
// good: stored, duplicates, kept as rejected, or dropped with their project.
func (p *Pipeline) finished(items ...*item) {
	var seqs []uint64
	for _, it := range items {
		if it.seq != 0 {
			seqs = append(seqs, it.seq)
		}
		if it.replay != nil {
			it.replay.Done()
			it.replay = nil
		}
	}
	if len(seqs) > 0 {
		p.opts.Spool.Done(seqs...)
	}
}

// done tells the event's waiter (ingest.ack: committed) how it ended:
// nil once committed, the reason once kept as rejected. It sends at most
// once per event: a waiter told the database is unavailable has had its
// answer (503), and the event's later commit tells nobody.
func (it *item) done(err error) {
	if it.notified || it.acc == nil || it.acc.Done == nil {
		return
	}
	it.notified = true
	it.acc.Done <- err
}
