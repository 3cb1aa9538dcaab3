package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestJobHasOneHolder: nodes asking at once for a job get one holder; the
// holder keeps it; when its session dies another node takes it, and the
// old holder learns it lost it; a released job goes to the next asker.
func TestJobHasOneHolder(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	nodes := []*postgres.DB{mustOpen(t, url, postgres.WithMigrate()), mustOpen(t, url), mustOpen(t, url), mustOpen(t, url)}
	held := make([]bool, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { held[i], errs[i] = n.HoldJob(ctx, core.JobRetention) })
	}
	wg.Wait()
	holder := -1
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: HoldJob: %v", i, errs[i])
		}
		if held[i] {
			if holder >= 0 {
				t.Fatalf("nodes %d and %d both hold the job", holder, i)
			}
			holder = i
		}
	}
	if holder < 0 {
		t.Fatal("no node holds the job")
	}
	hold := func(i int) bool {
		t.Helper()
		ok, err := nodes[i].HoldJob(ctx, core.JobRetention)
		if err != nil {
			t.Fatalf("node %d: HoldJob: %v", i, err)
		}
		return ok
	}
	if !hold(holder) {
		t.Fatal("the holder lost the job without losing its session")
	}
	other := (holder + 1) % len(nodes)
	if hold(other) {
		t.Fatal("a second node took a held job")
	}
	// Another job is independent.
	if ok, err := nodes[other].HoldJob(ctx, core.JobPurge); err != nil || !ok {
		t.Fatalf("purge job: held %v, %v; want the first asker to hold it", ok, err)
	}

	// The holder's session dies (as with kill -9): the lock goes with it.
	if _, err := nodes[other].Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND objid = (hashtextextended('periscope.job:' || $1::text, 0) & 4294967295)::oid`, core.JobRetention); err != nil {
		t.Fatal(err)
	}
	if !hold(other) {
		t.Fatal("after the holder's session died, the job was not free")
	}
	if hold(holder) {
		t.Fatal("the old holder still believes it holds the job")
	}

	if err := nodes[other].ReleaseJob(ctx, core.JobRetention); err != nil {
		t.Fatal(err)
	}
	if !hold(holder) {
		t.Fatal("a released job was not taken by the next asker")
	}
}

// TestNodesRaiseOneThresholdAlert: nodes evaluating the same rule for the
// same issue at the same moment create one alert between them.
func TestNodesRaiseOneThresholdAlert(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	nodes := []*postgres.DB{mustOpen(t, url, postgres.WithMigrate()), mustOpen(t, url), mustOpen(t, url)}
	p := storetest.MustCreateProject(t, nodes[0], "web")
	storetest.MustCreateDestination(t, nodes[0], p.ID, "hook")
	res := storetest.MustWrite(t, nodes[0], storetest.NewEvent(p.ID, "storm"))
	issue := res[0].IssueID
	now := time.Now()
	var wg sync.WaitGroup
	created := make([]bool, len(nodes))
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Go(func() {
			_, created[i], errs[i] = n.CreateThresholdAlert(ctx, core.ThresholdAlert{IssueID: issue, Rule: "storm",
				EventID: "0123456789abcdef0123456789abcdef", At: now, Interval: time.Hour})
		})
	}
	wg.Wait()
	n := 0
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d nodes created the threshold alert, want 1", n)
	}
}
