package pipeline_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/spool"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/rules"
)

// BenchmarkAck compares the two lossless acknowledgements end to end after
// HTTP, with 64 concurrent submitters (an HTTP server's requests in
// flight), each waiting as ingestion does before it answers 200:
//
//   - committed: SQLite synchronous=FULL, the submitter waits for the
//     commit of its event's batch;
//   - spooled: SQLite synchronous=NORMAL, the submitter waits for the
//     spool's fsync of its record; the spool forgets events behind
//     SyncFiles, once a second.
//
// It reports events/s and, for spooled, the spool's fsyncs per event. Run
// the two under /usr/bin/time for CPU per event; wall time on a shared
// machine says little.
func BenchmarkAck(b *testing.B) {
	for _, mode := range []string{"committed", "spooled"} {
		b.Run("mode="+mode, func(b *testing.B) {
			dir := b.TempDir()
			syncMode := "full"
			if mode == "spooled" {
				syncMode = "normal"
			}
			db, err := sqlite.Open(context.Background(), filepath.Join(dir, "p.db"), sqlite.WithMigrate(), sqlite.WithSynchronous(syncMode))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			proj := &core.Project{Name: "p"}
			if err := db.CreateProject(context.Background(), proj); err != nil {
				b.Fatal(err)
			}
			opts := pipeline.Options{QueueSize: 50000}
			var sp *spool.Spool
			if mode == "spooled" {
				if sp, err = spool.Open(filepath.Join(dir, "spool"), spool.Options{Barrier: db.SyncFiles}); err != nil {
					b.Fatal(err)
				}
				opts.Spool = sp
			}
			p := newPipeline(b, db, rules.NewHolder(nil), opts)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						a := &core.Accepted{ProjectID: proj.ID, EventID: fmt.Sprintf("%032x", i), ItemType: "event",
							Payload: []byte(strings.Replace(benchPayload, "GROUP", fmt.Sprint(i%1000), 1)), Received: time.Now().UTC()}
						if mode == "committed" {
							a.Done = make(chan error, 1)
						}
						for p.Submit(a) != nil {
							time.Sleep(100 * time.Microsecond)
						}
						if a.Done != nil {
							<-a.Done
						}
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			if err := p.Stop(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/el.Seconds(), "events/s")
			if sp != nil {
				b.ReportMetric(float64(sp.Stats().Syncs)/float64(b.N), "fsyncs/event")
				sp.Close()
			}
			if got := p.Snapshot()["stored"]; got != int64(b.N) {
				b.Fatalf("stored %d of %d", got, b.N)
			}
		})
	}
}
