package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
)

// pruneStore is what the pruner needs of the store.
type pruneStore interface {
	FindProjects(ctx context.Context) ([]*core.Project, error)
	core.RetentionStore
	core.JobLocker
}

// bundleStore is what the pruner needs to prune source maps; a store that
// is not one keeps them.
type bundleStore interface {
	PruneArtifactBundles(ctx context.Context, projectID int64, before time.Time, limit int) (int, error)
	DeleteChunks(ctx context.Context, checksums []string, before time.Time) (int, error)
}

// chunkTTL is how long an uploaded chunk no bundle was assembled from is
// kept.
const chunkTTL = 24 * time.Hour

// pruner enforces retention.* in the background: shortly after start and
// then every Interval it goes through every project, deleting events older
// than the project's retention_days (or retention.days), then the oldest
// events beyond retention.max_events_per_project, then the issues left
// without events that were last seen before the age cutoff, then the
// source map bundles no event used since the age cutoff (and upload chunks
// older than a day that no bundle was made of). Every store
// call deletes at most BatchSize rows in its own transaction, and the
// pruner pauses between calls, so ingestion keeps the database. It never
// runs twice at once; a run longer than Interval delays the next.
type pruner struct {
	store  pruneStore
	log    *slog.Logger
	cfg    config.Retention
	pause  time.Duration     // between two batches
	now    func() time.Time  // cutoffs are computed from it
	ran    func(pruneTotals) // called after every run (tests); may be nil
	held   bool              // the last hold answer (logged on change)
	asked  bool              // held has been set once
	stop   chan struct{}
	done   chan struct{}
	cancel context.CancelFunc
}

// pruneTotals counts what one run deleted. Skipped is true for a run
// left to the node that holds the retention job.
type pruneTotals struct {
	Events, Capped, Issues, Bundles int
	Skipped                         bool
}

// defaultPrunePause is the pause between two delete batches.
const defaultPrunePause = 50 * time.Millisecond

// newPruner returns a pruner over store; start it with start.
// A zero Interval or BatchSize (a Config not built by config.Parse) takes
// the documented default.
func newPruner(store pruneStore, cfg config.Retention, log *slog.Logger) *pruner {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Hour
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	return &pruner{store: store, log: log, cfg: cfg, pause: defaultPrunePause, now: time.Now,
		stop: make(chan struct{}), done: make(chan struct{})}
}

// start runs the pruner in a goroutine until close. The first run comes
// after min(Interval, 10s), so that start-up is not slowed down.
func (p *pruner) start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.log.Info("retention: pruning in the background", "days", p.cfg.Days,
		"max_events_per_project", p.cfg.MaxEventsPerProject, "interval", p.cfg.Interval)
	go p.loop(ctx)
}

func (p *pruner) loop(ctx context.Context) {
	defer close(p.done)
	wait := time.NewTimer(min(p.cfg.Interval, 10*time.Second))
	defer wait.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-wait.C:
		}
		t := p.runOnce(ctx)
		if p.ran != nil {
			p.ran(t)
		}
		wait.Reset(p.cfg.Interval)
	}
}

// close stops the pruner: a delete in progress is cancelled (its
// transaction rolls back) and close waits for the goroutine, or for ctx.
// A second close does nothing.
func (p *pruner) close(ctx context.Context) error {
	if p == nil || p.cancel == nil {
		return nil
	}
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.cancel()
	select {
	case <-p.done:
		if p.held {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return p.store.ReleaseJob(rctx, core.JobRetention)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runOnce prunes every project once and logs what it deleted, if this
// node holds the retention job (core.JobLocker: one node of those sharing
// a database prunes; when it dies, the next node to ask takes over). A
// project whose pruning fails is logged and skipped until the next run.
func (p *pruner) runOnce(ctx context.Context) pruneTotals {
	start := time.Now()
	var total pruneTotals
	if !p.hold(ctx) {
		total.Skipped = true
		return total
	}
	fctx, cancel := context.WithTimeout(ctx, time.Minute)
	projects, err := p.store.FindProjects(fctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("retention: listing projects failed; trying again at the next run", "err", err)
		}
		return total
	}
	for _, pr := range projects {
		t, err := p.pruneProject(ctx, pr)
		total.Events += t.Events
		total.Capped += t.Capped
		total.Issues += t.Issues
		total.Bundles += t.Bundles
		if t != (pruneTotals{}) {
			p.log.Info("retention: pruned", "project", pr.ID, "events_expired", t.Events,
				"events_over_cap", t.Capped, "issues", t.Issues, "sourcemap_bundles", t.Bundles)
		}
		if ctx.Err() != nil || errors.Is(err, errStopped) {
			return total
		}
		if err != nil {
			p.log.Warn("retention: pruning failed; trying again at the next run", "project", pr.ID, "err", err)
		}
	}
	if bs, ok := p.store.(bundleStore); ok {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		if _, err := bs.DeleteChunks(cctx, nil, p.now().UTC().Add(-chunkTTL)); err != nil && ctx.Err() == nil {
			p.log.Warn("retention: deleting stale upload chunks failed", "err", err)
		}
		cancel()
	}
	p.log.Debug("retention: run done", "projects", len(projects), "events_expired", total.Events,
		"events_over_cap", total.Capped, "issues", total.Issues, "took", time.Since(start).Round(time.Millisecond))
	return total
}

// hold reports whether this node runs retention now, logging when that
// changes.
func (p *pruner) hold(ctx context.Context) bool {
	hctx, cancel := context.WithTimeout(ctx, time.Minute)
	ok, err := p.store.HoldJob(hctx, core.JobRetention)
	cancel()
	if err != nil {
		p.log.Warn("retention: cannot tell whether another node runs it; trying again at the next run", "err", err)
		return false
	}
	if ok != p.held || !p.asked {
		p.asked = true
		if ok {
			p.log.Info("retention: this node runs retention for every node on this database")
		} else {
			p.log.Info("retention: another node runs retention")
		}
		p.held = ok
	}
	return ok
}

// maxRetentionDays bounds an age limit (100 years), so that a huge
// retention_days cannot overflow a cutoff into the future.
const maxRetentionDays = 100 * 365

// days returns the age limit of project pr in days; 0 means none.
func (p *pruner) days(pr *core.Project) int {
	if pr.RetentionDays > 0 {
		return pr.RetentionDays
	}
	return p.cfg.Days
}

// pruneProject applies the age limit, the cap and the issue clean-up to
// one project, batch after batch.
func (p *pruner) pruneProject(ctx context.Context, pr *core.Project) (pruneTotals, error) {
	var t pruneTotals
	var cutoff time.Time
	if d := p.days(pr); d > 0 {
		cutoff = p.now().UTC().AddDate(0, 0, -min(d, maxRetentionDays))
		n, err := p.batches(ctx, func(ctx context.Context, limit int) (int, error) {
			return p.store.PruneEvents(ctx, pr.ID, cutoff, limit)
		})
		if t.Events = n; err != nil {
			return t, err
		}
	}
	if keep := p.cfg.MaxEventsPerProject; keep > 0 {
		n, err := p.batches(ctx, func(ctx context.Context, limit int) (int, error) {
			return p.store.CapEvents(ctx, pr.ID, keep, limit)
		})
		if t.Capped = n; err != nil {
			return t, err
		}
	}
	if !cutoff.IsZero() {
		n, err := p.batches(ctx, func(ctx context.Context, limit int) (int, error) {
			return p.store.PruneIssues(ctx, pr.ID, cutoff, limit)
		})
		if t.Issues = n; err != nil {
			return t, err
		}
		if bs, ok := p.store.(bundleStore); ok {
			n, err := p.batches(ctx, func(ctx context.Context, limit int) (int, error) {
				return bs.PruneArtifactBundles(ctx, pr.ID, cutoff, limit)
			})
			if t.Bundles = n; err != nil {
				return t, err
			}
		}
	}
	return t, nil
}

// errStopped ends a batch loop when the pruner is closed.
var errStopped = errors.New("retention: stopped")

// batches calls del with BatchSize until it deletes fewer rows, pausing
// between calls, and returns the rows deleted.
func (p *pruner) batches(ctx context.Context, del func(ctx context.Context, limit int) (int, error)) (int, error) {
	total := 0
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		n, err := del(cctx, p.cfg.BatchSize)
		cancel()
		total += max(n, 0)
		if err != nil {
			return total, err
		}
		if n < p.cfg.BatchSize {
			return total, nil
		}
		select {
		case <-p.stop:
			return total, errStopped
		case <-time.After(p.pause):
		}
	}
}
