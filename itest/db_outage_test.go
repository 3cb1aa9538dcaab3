package itest

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/postgres/pgtest"
)

// TestPostgresOutageServesKnownKeys is issue 10.6 on a real Postgres that
// the test stops: after the key cache's TTL, a key seen before is still
// served (its event accepted into the queue, and stored once Postgres is
// back); a key never seen is answered 503 with Retry-After, never 500.
func TestPostgresOutageServesKnownKeys(t *testing.T) {
	t.Parallel()
	pg := pgtest.NewCluster(t)
	s := StartServer(t, DB{Name: "postgres", PostgresURL: pg.URL()}, "ingest:\n  ack: accepted\n")
	known, unseen := s.CreateProject("known"), s.CreateProject("unseen")

	send := func(p *Project, id string) *http.Response {
		t.Helper()
		payload := fmt.Sprintf(`{"event_id":"%s","level":"error","exception":[{"type":"OutageError","value":"%s"}]}`, id, id)
		body := fmt.Sprintf("{\"event_id\":\"%s\"}\n{\"type\":\"event\",\"length\":%d}\n%s\n", id, len(payload), payload)
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/%d/envelope/", s.URL, p.ID), bytes.NewReader([]byte(body)))
		req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=itest/1.0, sentry_key="+p.Keys[0].PublicKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first, during := "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01", "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a02"
	if resp := send(known, first); resp.StatusCode != 200 {
		t.Fatalf("before the outage: status %d, want 200", resp.StatusCode)
	}
	s.WaitEvent(t, known.ID, first)

	pg.Stop()
	time.Sleep(3 * time.Second) // past the key cache's 2 s TTL
	if resp := send(known, during); resp.StatusCode != 200 {
		t.Fatalf("known key with Postgres stopped: status %d, want 200\n%s", resp.StatusCode, s.Logs())
	}
	resp := send(unseen, "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a03")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("unseen key with Postgres stopped: status %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	pg.Start()
	s.WaitEvent(t, known.ID, during) // accepted during the outage, stored after it
	if resp := send(unseen, "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a04"); resp.StatusCode != 200 {
		t.Fatalf("unseen key after the outage: status %d, want 200", resp.StatusCode)
	}
}
