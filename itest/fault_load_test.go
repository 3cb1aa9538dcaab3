package itest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// loadClient sends error events to a server from several connections as
// fast as it answers, and records every event id answered 200, so that a
// fault-injection test can check each acknowledged event is stored.
type loadClient struct {
	url, key string
	// payload returns the event JSON for event id and sequence number n.
	payload func(id string, n int64) string

	mu       sync.Mutex
	acked    []string
	statuses map[int]int64
	seq      atomic.Int64
	errs     atomic.Int64 // transport errors (refused connections, resets)
	// noRetry counts 429 and 503 answers without Retry-After.
	noRetry atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
	client  *http.Client
}

// cleanPayload is an ordinary error event of one of 50 groups.
func cleanPayload(id string, n int64) string {
	return fmt.Sprintf(`{"event_id":%q,"level":"error","platform":"go","message":"order %d failed",`+
		`"tags":{"route":"/api/orders","shard":"s%d"},"exception":[{"type":"E%d","value":"payment step %d failed",`+
		`"stacktrace":{"frames":[{"function":"main","module":"main","in_app":true},{"function":"checkout","module":"shop","in_app":true}]}}]}`,
		id, n, n%8, n%50, n)
}

// startLoad starts conns sending goroutines against project p of s.
func startLoad(s *Server, p *Project, conns int, payload func(id string, n int64) string) *loadClient {
	lc := &loadClient{url: fmt.Sprintf("%s/api/%d/envelope/", s.URL, p.ID), key: p.Keys[0].PublicKey,
		payload: payload, statuses: map[int]int64{}, stop: make(chan struct{})}
	client := &http.Client{Timeout: 30 * time.Second}
	lc.client = client
	for range conns {
		lc.wg.Add(1)
		go func() {
			defer lc.wg.Done()
			for {
				select {
				case <-lc.stop:
					return
				default:
				}
				n := lc.seq.Add(1)
				id := fmt.Sprintf("%032x", n)
				body := `{"event_id":"` + id + `"}` + "\n" + `{"type":"event"}` + "\n" + lc.payload(id, n) + "\n"
				req, _ := http.NewRequest("POST", lc.url, bytes.NewBufferString(body))
				req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+lc.key)
				resp, err := client.Do(req)
				if err != nil {
					lc.errs.Add(1)
					select {
					case <-lc.stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
					continue
				}
				if (resp.StatusCode == 429 || resp.StatusCode == 503) && resp.Header.Get("Retry-After") == "" {
					lc.noRetry.Add(1)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lc.mu.Lock()
				lc.statuses[resp.StatusCode]++
				if resp.StatusCode == 200 {
					lc.acked = append(lc.acked, id)
				}
				lc.mu.Unlock()
				if resp.StatusCode != 200 {
					// As an SDK does: back off on a refusal.
					select {
					case <-lc.stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
		}()
	}
	return lc
}

// Stop stops sending and waits for the requests in flight.
func (lc *loadClient) Stop() {
	close(lc.stop)
	lc.wg.Wait()
	// Idle keep-alive connections would hold the server's graceful
	// shutdown until its timeout.
	lc.client.CloseIdleConnections()
}

// Acked returns a copy of the event ids answered 200 so far.
func (lc *loadClient) Acked() []string {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return append([]string(nil), lc.acked...)
}

// Statuses returns a copy of the answers so far by HTTP status.
func (lc *loadClient) Statuses() map[int]int64 {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	out := map[int]int64{}
	for k, v := range lc.statuses {
		out[k] = v
	}
	return out
}

// checkAllStored fails t for every acknowledged id that is not in the
// project of the database db of server s (stopped or running).
func checkAllStored(t *testing.T, s *Server, db DB, projectID int64, acked []string) {
	t.Helper()
	checkStoredIn(t, openStoreOf(t, s, db), projectID, acked)
}

// checkStoredIn fails t for every acknowledged id not in store.
func checkStoredIn(t *testing.T, store core.Store, projectID int64, acked []string) {
	t.Helper()
	missing := 0
	for _, id := range acked {
		if _, err := store.FindEventByID(context.Background(), projectID, id); err != nil {
			missing++
			if missing <= 5 {
				t.Errorf("event %s answered 200 is not stored: %v", id, err)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events lost", missing, len(acked))
	}
}

// readyStatus returns the status of GET /readyz (0 when it does not answer).
func readyStatus(s *Server) int {
	resp, err := http.Get(s.URL + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// StopAndCheckRefusals stops the load, logs its answers, and fails t when any
// answer was a 5xx other than 503 or a 429/503 came without Retry-After: a
// database fault may refuse events, never fail them.
func (lc *loadClient) StopAndCheckRefusals(t testing.TB) {
	t.Helper()
	lc.Stop()
	st := lc.Statuses()
	t.Logf("answers %v; %d acknowledged; transport errors %d", st, len(lc.Acked()), lc.errs.Load())
	for code, n := range st {
		if code >= 500 && code != 503 {
			t.Errorf("%d answers %d: want no 5xx other than 503", n, code)
		}
	}
	if n := lc.noRetry.Load(); n > 0 {
		t.Errorf("%d answers 429/503 without Retry-After", n)
	}
}
