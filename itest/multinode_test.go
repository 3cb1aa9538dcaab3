package itest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/jackc/pgx/v5"

	"github.com/periscope-hq/periscope/core/postgres/pgtest"
)

// ackRecorder is the sentry-go HTTP transport's round tripper: it records
// the event id of every envelope answered 200 (an acknowledged event).
type ackRecorder struct {
	base  http.RoundTripper
	mu    sync.Mutex
	acked map[string]bool
	sent  atomic.Int64
}

func (r *ackRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	var head struct {
		EventID string `json:"event_id"`
	}
	line, _, _ := bytes.Cut(body, []byte("\n"))
	_ = json.Unmarshal(line, &head)
	r.sent.Add(1)
	resp, err := r.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusOK && head.EventID != "" {
		r.mu.Lock()
		r.acked[head.EventID] = true
		r.mu.Unlock()
	}
	return resp, err
}

// ackedIDs returns the acknowledged event ids so far.
func (r *ackRecorder) ackedIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.acked))
	for id := range r.acked {
		out = append(out, id)
	}
	return out
}

// nodeClient is a sentry-go client sending synchronously to one node.
func nodeClient(t *testing.T, dsn string, rec *ackRecorder) *sentry.Client {
	t.Helper()
	tr := sentry.NewHTTPSyncTransport()
	tr.Timeout = 10 * time.Second
	c, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, Transport: tr, HTTPTransport: rec,
		Release: "itest@1.0.0", Environment: "multinode"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sendFingerprint captures one message of fingerprint k through c.
func sendFingerprint(c *sentry.Client, k int, msg string) {
	scope := sentry.NewScope()
	scope.SetFingerprint([]string{fmt.Sprintf("multinode-%d", k)})
	c.CaptureMessage(msg, nil, scope)
}

// retentionHolder returns the index of the node whose log says it runs
// retention, or -1, and how many nodes logged either answer.
func retentionHolder(logs []string) (holder, answered, holders int) {
	holder = -1
	for i, l := range logs {
		runs := strings.Count(l, "retention: this node runs retention")
		if runs > 0 {
			holder = i
			holders += runs
		}
		if runs > 0 || strings.Contains(l, "retention: another node runs retention") {
			answered++
		}
	}
	return holder, answered, holders
}

// TestThreeNodes runs three `periscope serve` processes on one Postgres,
// started at the same moment (so they migrate at once), behind a
// round-robin sentry-go load:
//   - the first events of six new fingerprints, each sent to all three
//     nodes at the same moment, make six issues and six new-issue alerts;
//   - both webhook destinations hold their requests, so the three nodes'
//     dispatchers claim all twelve notifications (four workers each);
//   - one node (not the retention holder) is killed with SIGKILL in the
//     middle of the load; its claims run out (notify.lease) and the other
//     nodes deliver them: each destination gets each alert exactly once;
//   - the killed node is restarted on its own directory, so its spool
//     (ingest.ack: spooled, one spool per node) is replayed: every event
//     answered 200 is stored, and issue counts sum to the events stored;
//   - retention runs on one node only.
func TestThreeNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	hookA, hookB := NewReceiver(t, "block"), NewReceiver(t, "block")
	const cfg = `
notify:
  poll_interval: 200ms
  workers: 4
  attempt_timeout: 15s
  lease: 20s
  backoff: {base: 200ms, max: 1s, max_attempts: 50}
retention:
  interval: 1s
`
	db := DB{Name: "postgres", PostgresURL: url}
	nodes := []*Server{NewServer(t, db, cfg), NewServer(t, db, cfg), NewServer(t, db, cfg)}
	for _, n := range nodes {
		n.start("serve") // all at once: they migrate the empty database together
	}
	for _, n := range nodes {
		WaitFor(t, 60*time.Second, "node ready", func() bool {
			resp, err := http.Get(n.URL + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == 200
		})
	}
	pg, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := pg.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM schema_migrations`); n == 0 {
		t.Fatal("no migration recorded")
	}

	p := nodes[0].CreateProject("multinode")
	for name, r := range map[string]*Receiver{"a": hookA, "b": hookB} {
		nodes[0].CreateDestination(t, p.ID, map[string]any{"name": name, "plugin": "webhook", "config": map[string]any{"url": r.URL}})
	}
	rec := &ackRecorder{base: &http.Transport{DisableKeepAlives: true}, acked: map[string]bool{}}
	clients := make([]*sentry.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = nodeClient(t, strings.Replace(p.Keys[0].DSN, nodes[0].URL[len("http://"):], n.URL[len("http://"):], 1), rec)
	}

	// First events: each fingerprint reaches the three nodes at once.
	const fingerprints = 6
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range fingerprints {
		for i := range nodes {
			wg.Go(func() {
				<-start
				sendFingerprint(clients[i], k, fmt.Sprintf("checkout failed on shard %d", k))
			})
		}
	}
	close(start)
	wg.Wait()
	if got := len(rec.ackedIDs()); got != fingerprints*len(nodes) {
		t.Fatalf("%d of %d first events acknowledged", got, fingerprints*len(nodes))
	}
	WaitFor(t, 60*time.Second, "the first events stored", func() bool {
		return count(`SELECT count(*) FROM events WHERE project_id = $1`, p.ID) == fingerprints*int64(len(nodes))
	})
	if n := count(`SELECT count(*) FROM issues WHERE project_id = $1`, p.ID); n != fingerprints {
		t.Fatalf("%d issues from %d fingerprints sent to three nodes at once, want one each", n, fingerprints)
	}
	if n := count(`SELECT count(*) FROM alerts a JOIN issues i ON i.id = a.issue_id WHERE i.project_id = $1 AND a.kind = 'new_issue'`, p.ID); n != fingerprints {
		t.Fatalf("%d new-issue alerts, want %d", n, fingerprints)
	}

	// The destinations hold every request: the dispatchers of the three
	// nodes (four workers each) claim the twelve notifications.
	const notifications = 2 * fingerprints
	WaitFor(t, 60*time.Second, "every notification claimed and in flight", func() bool {
		return len(hookA.Requests())+len(hookB.Requests()) == notifications
	})
	if n := count(`SELECT count(*) FROM notifications WHERE state = 'pending' AND claimed_until > now()`); n != notifications {
		t.Fatalf("%d notifications under a lease, want %d", n, notifications)
	}

	// Retention: each node asks a second after its start (then every
	// second: the holder keeps its lock, the others keep being refused);
	// one runs it.
	logs := func() []string {
		out := make([]string, len(nodes))
		for i, n := range nodes {
			out[i] = n.Logs()
		}
		return out
	}
	WaitFor(t, 60*time.Second, "every node's first retention turn", func() bool {
		_, answered, _ := retentionHolder(logs())
		return answered == len(nodes)
	})
	holder, _, holders := retentionHolder(logs())
	if holders != 1 {
		t.Fatalf("%d nodes run retention, want 1", holders)
	}
	victim := (holder + 1) % len(nodes)

	// Load, round-robin over the nodes; the victim is killed half-way.
	var sent atomic.Int64
	stop := make(chan struct{})
	killAt, total := int64(120), int64(300)
	for g := range 6 {
		wg.Go(func() {
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				n := sent.Add(1)
				if n > total {
					return
				}
				sendFingerprint(clients[(g+j)%len(nodes)], j%fingerprints, fmt.Sprintf("load %d", n))
			}
		})
	}
	WaitFor(t, 120*time.Second, "half of the load sent", func() bool { return sent.Load() >= killAt })
	victimLogs := nodes[victim].Logs()
	nodes[victim].Crash(t)
	wg.Wait()
	close(stop)
	acked := rec.ackedIDs()
	t.Logf("node %d (of 0-2) killed after %d sends; %d of %d events acknowledged", victim, killAt, len(acked), rec.sent.Load())
	if len(acked) <= fingerprints*len(nodes) {
		t.Fatal("no event of the load was acknowledged")
	}

	// The killed node's claims run out; the others deliver them.
	hookA.SetMode("ok")
	hookB.SetMode("ok")
	WaitFor(t, 120*time.Second, "every notification delivered by the surviving nodes", func() bool {
		return count(`SELECT count(*) FROM notifications WHERE state = 'delivered'`) == notifications
	})

	// The killed node restarts on its directory and replays its spool.
	nodes[victim].Start()
	WaitFor(t, 120*time.Second, "every acknowledged event stored", func() bool {
		rows, err := pg.Query(ctx, `SELECT event_id FROM events WHERE project_id = $1`, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, id := range ids {
			stored[strings.ReplaceAll(id, "-", "")] = true
		}
		for _, id := range acked {
			if !stored[id] {
				return false
			}
		}
		return true
	})
	WaitFor(t, 60*time.Second, "the restarted node's retention turn", func() bool {
		return strings.Contains(nodes[victim].Logs(), "retention: another node runs retention")
	})

	events := count(`SELECT count(*) FROM events WHERE project_id = $1`, p.ID)
	if sum := count(`SELECT coalesce(sum(count), 0) FROM issues WHERE project_id = $1`, p.ID); sum != events {
		t.Errorf("issue counts sum to %d, %d events stored", sum, events)
	}
	if n := count(`SELECT count(*) FROM issues WHERE project_id = $1`, p.ID); n != fingerprints {
		t.Errorf("%d issues after the load, want %d", n, fingerprints)
	}
	if n := count(`SELECT count(*) FROM alerts`); n != fingerprints {
		t.Errorf("%d alerts, want one per new issue (%d)", n, fingerprints)
	}
	for name, r := range map[string]*Receiver{"a": hookA, "b": hookB} {
		seen := map[int64]int{}
		for _, pl := range r.Delivered(t) {
			seen[pl.Alert.ID]++
		}
		if len(seen) != fingerprints {
			t.Errorf("destination %s received %d alerts, want %d", name, len(seen), fingerprints)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("destination %s received alert %d %d times, want once", name, id, n)
			}
		}
	}
	all := append(logs(), victimLogs)
	if _, _, holders := retentionHolder(all); holders != 1 {
		t.Errorf("retention ran on %d nodes, want 1", holders)
	}
	sc := bufio.NewScanner(strings.NewReader(strings.Join(all, "\n")))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "level=ERROR") {
			t.Errorf("a node logged an error: %s", sc.Text())
		}
	}
	t.Logf("%d events stored in %d issues; %d acknowledged, all stored", events, fingerprints, len(acked))
}
