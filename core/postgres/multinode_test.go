package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/postgres/pgtest"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestNodesShareOneDatabase runs two stores ("nodes") on one database: the
// same new fingerprints written by both at once make one issue each, with
// every event counted once and one new-issue alert.
func TestNodesShareOneDatabase(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a, b := mustOpen(t, url, postgres.WithMigrate()), mustOpen(t, url)
	p := storetest.MustCreateProject(t, a, "web")
	storetest.MustCreateDestination(t, a, p.ID, "hook")
	const rounds, perBatch = 10, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for _, node := range []core.Store{a, b} {
		wg.Go(func() {
			for r := range rounds {
				var batch []*core.EventWrite
				for i := range perBatch {
					// Both nodes write the same hashes in opposite orders.
					h := fmt.Sprintf("h%02d", (i*7+r)%perBatch)
					if node == b {
						h = fmt.Sprintf("h%02d", perBatch-1-(i*7+r)%perBatch)
					}
					batch = append(batch, &core.EventWrite{Event: storetest.NewEvent(p.ID, h)})
				}
				if _, err := node.WriteEvents(ctx, batch); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("WriteEvents: %v", err)
	}
	issues, _, err := a.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != perBatch {
		t.Fatalf("%d issues, want %d (one per fingerprint)", len(issues), perBatch)
	}
	var total int64
	for _, is := range issues {
		total += is.Count
	}
	if total != 2*rounds*perBatch {
		t.Errorf("counts add up to %d, want %d", total, 2*rounds*perBatch)
	}
	alerts, err := b.FindAlerts(ctx, p.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != perBatch {
		t.Errorf("%d alerts, want one per new issue (%d)", len(alerts), perBatch)
	}
}

// TestNodesNeverClaimTheSameNotification runs dispatchers on two stores.
func TestNodesNeverClaimTheSameNotification(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a, b := mustOpen(t, url, postgres.WithMigrate()), mustOpen(t, url)
	p := storetest.MustCreateProject(t, a, "web")
	for i := range 5 {
		storetest.MustCreateDestination(t, a, p.ID, fmt.Sprintf("d%d", i))
	}
	var events []*core.Event
	for i := range 40 {
		events = append(events, storetest.NewEvent(p.ID, fmt.Sprintf("h%d", i)))
	}
	storetest.MustWrite(t, a, events...)
	now := time.Now().Add(time.Second)
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for _, node := range []core.Store{a, b, a, b} {
		wg.Go(func() {
			for {
				ns, err := node.ClaimNotifications(ctx, now, 7, time.Hour)
				if err != nil {
					t.Error(err)
					return
				} else if len(ns) == 0 {
					return
				}
				mu.Lock()
				for _, n := range ns {
					seen[n.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Errorf("claimed %d distinct notifications, want 200", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("notification %d claimed %d times", id, n)
		}
	}
}
