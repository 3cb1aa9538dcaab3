package itest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBadTextThroughput measures stored events per second through the
// real binary, on SQLite and on Postgres, for clean events and for events
// of which one in twenty holds NUL and invalid UTF-8 (issue 10.4 asks the
// second to stay within 10% of the first; TestFaultBadTextUnderLoad
// asserts the cause, one transaction per batch whatever the text). Each
// iteration is one event sent over 8 connections (retried on 429/503, as
// an SDK would); the time runs until every event is stored. It reports
// events/s and transactions per event. Timing needs a quiet machine:
//
//	go test ./itest -run '^$' -bench BenchmarkBadTextThroughput -benchtime 20000x -count 5
func BenchmarkBadTextThroughput(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			db := DB{Name: name}
			if name == "postgres" {
				db = databases(b)[1]
			}
			s := StartServer(b, db, "")
			var runs int
			for _, c := range []struct {
				name    string
				payload func(string, int64) string
			}{{"clean", cleanPayload}, {"bad-5pct", badTextEvery(20)}} {
				b.Run(c.name, func(b *testing.B) {
					runs++
					p := s.CreateProject(fmt.Sprintf("%s-%d", c.name, runs))
					before := quietPipeline(b, s)
					b.ResetTimer()
					sendEvents(b, s, p, 8, b.N, c.payload)
					after := quietPipeline(b, s)
					b.StopTimer()
					stored := after["stored"] - before["stored"]
					if stored != int64(b.N) || after["rejected"] != before["rejected"] {
						b.Fatalf("%d of %d events stored, %d rejected", stored, b.N, after["rejected"]-before["rejected"])
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
					b.ReportMetric(float64(after["transactions"]-before["transactions"])/float64(b.N), "tx/event")
				})
			}
		})
	}
}

// sendEvents sends n events of payload to project p of s over conns
// connections, each until it is answered 200 (after a pause on 429 or 503).
func sendEvents(b *testing.B, s *Server, p *Project, conns, n int, payload func(string, int64) string) {
	b.Helper()
	url := fmt.Sprintf("%s/api/%d/envelope/", s.URL, p.ID)
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var seq atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := seq.Add(1)
				if i > int64(n) || failed.Load() != nil {
					return
				}
				id := fmt.Sprintf("%032x", i)
				body := []byte(`{"event_id":"` + id + `"}` + "\n" + `{"type":"event"}` + "\n" + payload(id, i) + "\n")
				for {
					req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
					req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+p.Keys[0].PublicKey)
					resp, err := client.Do(req)
					if err != nil {
						failed.Store(err.Error())
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						break
					}
					if resp.StatusCode != 429 && resp.StatusCode != 503 {
						failed.Store(fmt.Sprintf("event %s: status %d", id, resp.StatusCode))
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
}
