package spool_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/spool"
)

// BenchmarkAppend measures the acknowledgement path of ingest.ack: spooled:
// Append of a 6 KB record (the size of speed.sh's SDK events) until its
// fsync, from 1, 16 and 64 concurrent writers (an HTTP server's requests in
// flight). It reports records/s and fsyncs per record (group commit: with
// many writers one fsync covers many records). Records are marked done and
// retired as they go, as the pipeline does, so the spool does not grow.
func BenchmarkAppend(b *testing.B) {
	payload := make([]byte, 6<<10)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, err := spool.Open(b.TempDir(), spool.Options{RetireEvery: 100 * time.Millisecond})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.SetBytes(int64(len(payload)))
			b.ResetTimer()
			start := time.Now()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						seq, err := s.Append(payload)
						if err != nil {
							b.Error(err)
							return
						}
						s.Done(seq)
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			b.StopTimer()
			st := s.Stats()
			b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
			b.ReportMetric(float64(st.Syncs)/float64(b.N), "fsyncs/record")
		})
	}
}
