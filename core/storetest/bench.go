package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

// BenchmarkWriteEvents measures WriteEvents on s with batches of 256
// realistic events (NewEvent) spread over 5,000 groups, the popular ones
// more often, so most batches both create issues and update existing ones.
// It reports ns/event and events/s (wall time), and cpu-ns/event (this
// process's CPU, which excludes a database server's); b.N counts batches.
func BenchmarkWriteEvents(b *testing.B, s core.Store) {
	const batchSize, groups = 256, 5000
	p := MustCreateProject(b, s, "bench")
	MustCreateDestination(b, s, p.ID, "hook")
	rng := rand.New(rand.NewPCG(1, 2))
	// A pool of pre-built events; each iteration gives them fresh ids.
	pool := make([]*core.Event, 4096)
	for i := range pool {
		g := int(float64(groups) * rng.Float64() * rng.Float64()) // skewed towards low numbers
		pool[i] = NewEvent(p.ID, fmt.Sprintf("%032x", g))
	}
	batches := make([][]*core.EventWrite, 64)
	for i := range batches {
		batches[i] = make([]*core.EventWrite, batchSize)
		for j := range batches[i] {
			batches[i][j] = &core.EventWrite{}
		}
	}
	ctx := context.Background()
	n := 0
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		batch := batches[i%len(batches)]
		for j := range batch {
			e := *pool[(i*batchSize+j)%len(pool)]
			e.EventID = NewEventID()
			batch[j].Event = &e
		}
		b.StartTimer()
		if _, err := s.WriteEvents(ctx, batch); err != nil {
			b.Fatal(err)
		}
		n += batchSize
	}
	b.StopTimer()
	if n > 0 {
		nsPerEvent := float64(b.Elapsed().Nanoseconds()) / float64(n)
		b.ReportMetric(nsPerEvent, "ns/event")
		b.ReportMetric(1e9/nsPerEvent, "events/s")
		// CPU of this process (user+system, including event generation,
		// which is small): steadier than wall time on a shared machine.
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(n), "cpu-ns/event")
	}
}
