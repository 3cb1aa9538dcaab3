package http

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// counters holds ingestion's per-project, per-hour counts until the next
// flush to the store's stats tables. The pipeline counts what it stores and
// rejects itself, in the transactions that do it.
type counters struct {
	mu  sync.Mutex
	m   map[counterKey]*counts
	now func() time.Time
}

type counterKey struct {
	project int64
	hour    time.Time
}

type counts struct {
	accepted, rateLimited int64
	rejected              map[string]int64
}

func newCounters() *counters {
	return &counters{m: map[counterKey]*counts{}, now: time.Now}
}

// add applies f to the counts of project for the current hour.
func (cs *counters) add(project int64, f func(*counts)) {
	if project <= 0 {
		return
	}
	k := counterKey{project, dbutil.Hour(cs.now())}
	cs.mu.Lock()
	c := cs.m[k]
	if c == nil {
		c = &counts{}
		cs.m[k] = c
	}
	f(c)
	cs.mu.Unlock()
}

// take empties the counters and returns them as deltas.
func (cs *counters) take() []core.StatsDelta {
	cs.mu.Lock()
	m := cs.m
	cs.m = map[counterKey]*counts{}
	cs.mu.Unlock()
	out := make([]core.StatsDelta, 0, len(m))
	for k, c := range m {
		out = append(out, core.StatsDelta{ProjectID: k.project, Hour: k.hour, Accepted: c.accepted,
			RateLimited: c.rateLimited, Rejected: c.rejected})
	}
	return out
}

// putBack re-adds deltas a failed flush could not store.
func (cs *counters) putBack(ds []core.StatsDelta) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, d := range ds {
		k := counterKey{d.ProjectID, d.Hour}
		c := cs.m[k]
		if c == nil {
			c = &counts{}
			cs.m[k] = c
		}
		c.accepted += d.Accepted
		c.rateLimited += d.RateLimited
		for r, n := range d.Rejected {
			if c.rejected == nil {
				c.rejected = map[string]int64{}
			}
			c.rejected[r] += n
		}
	}
}

// countAccepted counts n events handed to the pipeline.
func (s *Server) countAccepted(project int64, n int) {
	s.stats.Accepted.Add(int64(n))
	if o := s.opts.Observer; o != nil {
		o.Accepted(project, n)
	}
	s.counters.add(project, func(c *counts) { c.accepted += int64(n) })
	s.summary.add(project, func(c *summaryCounts) { c.accepted += int64(n) })
}

// countRateLimited counts n events refused with 429.
func (s *Server) countRateLimited(project int64, n int) {
	s.stats.RateLimited.Add(int64(n))
	if o := s.opts.Observer; o != nil {
		o.RateLimited(project, n)
	}
	s.counters.add(project, func(c *counts) { c.rateLimited += int64(n) })
	s.summary.add(project, func(c *summaryCounts) { c.rateLimited += int64(n) })
}

// countRejected counts a refused ingestion request against the project of
// its path, by error code. Unknown projects are dropped at flush time.
func (s *Server) countRejected(c *fiber.Ctx, err error) {
	project, perr := strconv.ParseInt(c.Params("project_id"), 10, 64)
	if perr != nil {
		return
	}
	reason := core.ErrorCode(err)
	if o := s.opts.Observer; o != nil {
		o.Rejected(project, reason)
	}
	s.summary.add(project, func(c *summaryCounts) { c.reject(reason, 1) })
	s.counters.add(project, func(c *counts) {
		if c.rejected == nil {
			c.rejected = map[string]int64{}
		}
		c.rejected[reason]++
	})
}

// flushStats writes the counters to the store; on failure they are kept
// for the next flush. Every node flushes its own counts: the store adds
// them to the shared rows (ON CONFLICT … + excluded), so nodes never need
// to take turns.
func (s *Server) flushStats(ctx context.Context) error {
	ds := s.counters.take()
	if len(ds) == 0 {
		return nil
	}
	if err := s.Store.AddStats(ctx, ds); err != nil {
		s.counters.putBack(ds)
		return err
	}
	return nil
}

// background runs until stop is closed: it flushes the ingestion counters
// every opts.StatsFlushInterval, and purges projects scheduled for
// deletion in batches, at start (to finish deletions a restart
// interrupted), when kicked, and every minute. On stop it flushes once more.
func (s *Server) background() {
	defer close(s.bgDone)
	flush := time.NewTicker(s.opts.StatsFlushInterval)
	defer flush.Stop()
	purge := time.NewTicker(time.Minute)
	defer purge.Stop()
	var summary <-chan time.Time
	if s.opts.IngestSummaryInterval > 0 {
		t := time.NewTicker(s.opts.IngestSummaryInterval)
		defer t.Stop()
		summary = t.C
	}
	s.purge()
	for {
		select {
		case <-s.bgStop:
			s.LogIngestSummary()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.flushStats(ctx); err != nil {
				s.Logger.Error("stats: final flush failed; these counts are lost", "err", err)
			}
			if s.purgeHeld {
				_ = s.Store.ReleaseJob(ctx, core.JobPurge)
			}
			cancel()
			return
		case <-flush.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.flushStats(ctx); err != nil {
				s.Logger.Warn("stats: flush failed; retrying at the next one", "err", err)
			}
			cancel()
		case <-summary:
			s.LogIngestSummary()
		case <-s.purgeKick:
			s.purge()
		case <-purge.C:
			s.purge()
		}
	}
}

// purge deletes the data of deleted projects in batches until none is left
// or the server stops, pausing between batches so that ingestion keeps the
// database most of the time. Only the node holding the purge job
// (core.JobLocker) purges; the others leave it to that node's next minute.
func (s *Server) purge() {
	hctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	held, err := s.Store.HoldJob(hctx, core.JobPurge)
	cancel()
	if err != nil {
		s.Logger.Warn("purging deleted projects: cannot tell whether another node purges; trying again later", "err", err)
		return
	}
	if !held {
		return
	}
	s.purgeHeld = true
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		more, err := s.Store.PurgeDeletedProjects(ctx, s.opts.PurgeBatch)
		cancel()
		if err != nil {
			s.Logger.Warn("purging deleted projects failed; trying again later", "err", err)
			return
		}
		if !more {
			return
		}
		select {
		case <-s.bgStop:
			return
		case <-time.After(s.opts.PurgePause):
		}
	}
}

// kickPurge wakes the purger without blocking.
func (s *Server) kickPurge() {
	select {
	case s.purgeKick <- struct{}{}:
	default:
	}
}

// stopBackground stops the background loop and waits for its last flush.
func (s *Server) stopBackground(ctx context.Context) {
	s.bgOnce.Do(func() { close(s.bgStop) })
	select {
	case <-s.bgDone:
	case <-ctx.Done():
	}
}
