package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
)

// fakePruneStore holds a number of prunable rows per project and call;
// it records the cutoffs and limits it is called with.
type fakePruneStore struct {
	mu       sync.Mutex
	projects []*core.Project
	expired  map[int64]int // events older than any cutoff
	overCap  map[int64]int
	before   map[int64]time.Time
	limits   []int
	keeps    []int
	issues   int
	block    bool // PruneEvents waits for its context instead
	other    bool // another node holds the retention job
	released bool // ReleaseJob was called
}

func (f *fakePruneStore) HoldJob(_ context.Context, name string) (bool, error) {
	if name != core.JobRetention {
		return false, fmt.Errorf("job %q, want %q", name, core.JobRetention)
	}
	return !f.other, nil
}

func (f *fakePruneStore) ReleaseJob(context.Context, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = true
	return nil
}

func (f *fakePruneStore) FindProjects(context.Context) ([]*core.Project, error) {
	return f.projects, nil
}

func (f *fakePruneStore) take(m map[int64]int, id int64, limit int) int {
	n := min(m[id], limit)
	m[id] -= n
	f.limits = append(f.limits, limit)
	return n
}

func (f *fakePruneStore) PruneEvents(ctx context.Context, id int64, before time.Time, limit int) (int, error) {
	if f.block {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before[id] = before
	return f.take(f.expired, id, limit), nil
}

func (f *fakePruneStore) CapEvents(_ context.Context, id int64, keep, limit int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keeps = append(f.keeps, keep)
	return f.take(f.overCap, id, limit), nil
}

func (f *fakePruneStore) PruneIssues(_ context.Context, id int64, before time.Time, limit int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !before.Equal(f.before[id]) {
		f.issues = -1000 // the issue cutoff must be the event cutoff
	}
	f.issues++
	return 0, nil
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestPrunerLoop(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f := &fakePruneStore{
		projects: []*core.Project{{ID: 1}, {ID: 2, RetentionDays: 7}, {ID: 3, RetentionDays: 1 << 40}},
		expired:  map[int64]int{1: 7, 2: 2},
		overCap:  map[int64]int{1: 4},
		before:   map[int64]time.Time{},
	}
	p := newPruner(f, config.Retention{Days: 30, MaxEventsPerProject: 5, Interval: 5 * time.Millisecond, BatchSize: 3}, quietLogger())
	p.now, p.pause = func() time.Time { return now }, time.Millisecond
	runs := make(chan pruneTotals, 100)
	p.ran = func(t pruneTotals) { runs <- t }
	p.start()
	var got []pruneTotals
	timeout := time.After(30 * time.Second)
	for len(got) < 3 {
		select {
		case r := <-runs:
			got = append(got, r)
		case <-timeout:
			t.Fatalf("the pruner ran %d times, want 3 (it must run every interval)", len(got))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := p.close(ctx); err != nil {
		t.Fatalf("second close: %v", err)
	}

	if want := (pruneTotals{Events: 9, Capped: 4}); got[0] != want {
		t.Errorf("first run: %+v, want %+v", got[0], want)
	}
	if got[1] != (pruneTotals{}) || got[2] != (pruneTotals{}) {
		t.Errorf("later runs with nothing to prune: %+v, %+v; want zero", got[1], got[2])
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if want := now.Add(-30 * 24 * time.Hour); !f.before[1].Equal(want) {
		t.Errorf("cutoff of a project without retention_days: %v, want %v (retention.days)", f.before[1], want)
	}
	if want := now.Add(-7 * 24 * time.Hour); !f.before[2].Equal(want) {
		t.Errorf("cutoff of a project with retention_days 7: %v, want %v", f.before[2], want)
	}
	if want := now.AddDate(-100, 0, 0); f.before[3].Before(want.AddDate(0, 0, -30)) || f.before[3].After(now) {
		t.Errorf("cutoff of a project with a huge retention_days: %v, want about %v (bounded to 100 years)", f.before[3], want)
	}
	for _, l := range f.limits {
		if l != 3 {
			t.Fatalf("a batch of %d rows, want retention.batch_size 3", l)
		}
	}
	// Project 1: 3+3+1 expired then 3+1 over the cap; project 2: 2 expired,
	// 0 over the cap; in the first run. Later runs: one call of each.
	if len(f.limits) < 9 {
		t.Errorf("%d delete calls, want at least 9 (batch after batch)", len(f.limits))
	}
	for _, k := range f.keeps {
		if k != 5 {
			t.Fatalf("CapEvents keep %d, want 5", k)
		}
	}
	if f.issues < 9 {
		t.Errorf("PruneIssues calls: %d, want one per project and run, with the event cutoff", f.issues)
	}
}

// TestPrunerLeavesRetentionToItsHolder: a node that does not hold the
// retention job deletes nothing; the holder releases it when it stops.
func TestPrunerLeavesRetentionToItsHolder(t *testing.T) {
	for _, other := range []bool{true, false} {
		f := &fakePruneStore{projects: []*core.Project{{ID: 1}}, expired: map[int64]int{1: 5},
			overCap: map[int64]int{}, before: map[int64]time.Time{}, other: other}
		p := newPruner(f, config.Retention{Days: 30, Interval: time.Hour, BatchSize: 10}, quietLogger())
		got := p.runOnce(context.Background())
		if got.Skipped != other || (got.Events == 0) != other {
			t.Errorf("another node holds the job: %v; run %+v, want skipped %v", other, got, other)
		}
		p.cancel = func() {}
		close(p.done)
		if err := p.close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if f.released == other {
			t.Errorf("another node holds the job: %v; released %v, want %v", other, f.released, !other)
		}
	}
}

func TestPrunerStopsDuringADelete(t *testing.T) {
	f := &fakePruneStore{projects: []*core.Project{{ID: 1}}, block: true, before: map[int64]time.Time{}}
	p := newPruner(f, config.Retention{Days: 30, Interval: time.Millisecond, BatchSize: 10}, quietLogger())
	ran := make(chan pruneTotals, 1)
	p.ran = func(t pruneTotals) { ran <- t }
	p.start()
	time.Sleep(20 * time.Millisecond) // let it reach the blocking delete; the test holds either way
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.close(ctx); err != nil {
		t.Fatalf("close with a delete in progress: %v (the delete's context must be cancelled)", err)
	}
}

func TestPrunerZeroConfigTakesDefaults(t *testing.T) {
	p := newPruner(&fakePruneStore{}, config.Retention{}, quietLogger())
	if p.cfg.Interval != time.Hour || p.cfg.BatchSize != 1000 {
		t.Errorf("zero config: %+v, want interval 1h and batch 1000", p.cfg)
	}
	if err := p.close(context.Background()); err != nil {
		t.Errorf("close of a pruner never started: %v", err)
	}
}

// TestPrunerWithSQLite runs one pass over a real store: retention.days for
// a project without retention_days, a project's own retention_days (shorter
// and longer), the cap, and issue clean-up.
func TestPrunerWithSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now().UTC().Truncate(time.Microsecond)
	day := 24 * time.Hour
	var projects []*core.Project
	for i, days := range []int{0, 7, 60} {
		pr := storetest.MustCreateProject(t, db, []string{"global", "short", "long"}[i])
		if days > 0 {
			if pr, err = db.UpdateProject(ctx, pr.ID, core.ProjectUpdate{RetentionDays: &days}); err != nil {
				t.Fatal(err)
			}
		}
		projects = append(projects, pr)
	}
	ages := []time.Duration{40 * day, 10 * day, 2 * day, day}
	events := map[int64][]*core.Event{}
	issues := map[int64][]int64{}
	for _, pr := range projects {
		for i, age := range ages {
			e := storetest.NewEvent(pr.ID, []string{"a", "b", "c", "d"}[i])
			e.Timestamp, e.Received = now.Add(-age), now.Add(-age)
			events[pr.ID] = append(events[pr.ID], e)
			issues[pr.ID] = append(issues[pr.ID], storetest.MustWrite(t, db, e)[0].IssueID)
		}
	}
	p := newPruner(db, config.Retention{Days: 30, MaxEventsPerProject: 3, Interval: time.Hour, BatchSize: 1}, quietLogger())
	p.pause = 0
	got := p.runOnce(ctx)
	// global (30 days): the 40-day event; short (7 days): 40 and 10 days;
	// long (60 days): none by age, the oldest by the cap of 3.
	if want := (pruneTotals{Events: 3, Capped: 1, Issues: 3}); got != want {
		t.Errorf("runOnce: %+v, want %+v", got, want)
	}
	keep := map[string][]bool{"global": {false, true, true, true}, "short": {false, false, true, true}, "long": {false, true, true, true}}
	issueKept := map[string][]bool{"global": {false, true, true, true}, "short": {false, false, true, true}, "long": {true, true, true, true}}
	for _, pr := range projects {
		for i, e := range events[pr.ID] {
			_, err := db.FindEventByID(ctx, pr.ID, e.EventID)
			if kept := err == nil; kept != keep[pr.Name][i] {
				t.Errorf("project %s, event %v old: kept %t (%v), want %t", pr.Name, ages[i], kept, err, keep[pr.Name][i])
			}
			_, err = db.FindIssueByID(ctx, issues[pr.ID][i])
			if kept := err == nil; kept != issueKept[pr.Name][i] {
				t.Errorf("project %s, issue last seen %v ago: kept %t (%v), want %t", pr.Name, ages[i], kept, err, issueKept[pr.Name][i])
			}
		}
	}
	if again := p.runOnce(ctx); again != (pruneTotals{}) {
		t.Errorf("a second run: %+v, want nothing left to prune", again)
	}
}

// TestPrunerPrunesUnusedSourceMaps: bundles no event used for the
// retention period go, with the upload chunks nobody assembled; a bundle
// used recently stays.
func TestPrunerPrunesUnusedSourceMaps(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqlite.WithMigrate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now().UTC()
	old := now.AddDate(0, 0, -40)
	pr := storetest.MustCreateProject(t, db, "web")
	var ids []int64
	for _, sum := range []string{"unused", "used"} {
		b := &core.ArtifactBundle{ProjectID: pr.ID, Checksum: sum, CreatedAt: old, Files: []*core.ArtifactFile{
			{Type: core.ArtifactSourceMap, URL: "~/" + sum + ".js.map", Checksum: sum, Content: []byte(`{"version":3}`)}}}
		id, _, err := db.CreateArtifactBundle(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := db.TouchArtifactBundles(ctx, ids[1:], now.AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutChunks(ctx, map[string][]byte{"stale": []byte("x")}, now.Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutChunks(ctx, map[string][]byte{"fresh": []byte("y")}, now); err != nil {
		t.Fatal(err)
	}
	p := newPruner(db, config.Retention{Days: 30, Interval: time.Hour, BatchSize: 1}, quietLogger())
	p.pause = 0
	if got := p.runOnce(ctx); got != (pruneTotals{Bundles: 1}) {
		t.Errorf("runOnce: %+v, want one bundle pruned", got)
	}
	bs, err := db.FindArtifactBundles(ctx, pr.ID)
	if err != nil || len(bs) != 1 || bs[0].ID != ids[1] {
		t.Errorf("bundles left: %+v, %v; want only the used one (%d)", bs, err, ids[1])
	}
	if left, _ := db.FindChunks(ctx, []string{"stale", "fresh"}); len(left) != 1 || left["fresh"] == nil {
		t.Errorf("chunks left: %q, want only the fresh one", left)
	}
}
