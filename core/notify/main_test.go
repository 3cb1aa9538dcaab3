package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// pluginDir holds the real plugin binaries, built once by TestMain.
var pluginDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "periscope-notify-plugins-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildOnce sync.Once
var buildErr error

// mustPlugins builds webhook, slack and email with `go build` into
// pluginDir as periscope-plugin-<name> and returns the folder.
func mustPlugins(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		flags, env := sdktest.BuildConfig()
		args := append(append([]string{"build"}, flags...), "-o", pluginDir+string(filepath.Separator))
		for _, p := range []string{"webhook", "slack", "email"} {
			args = append(args, "./plugins/"+p)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build plugins: %v\n%s", err, out)
			return
		}
		for _, p := range []string{"webhook", "slack", "email"} {
			if err := os.Rename(filepath.Join(pluginDir, p), filepath.Join(pluginDir, PluginPrefix+p)); err != nil {
				buildErr = err
				return
			}
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return pluginDir
}

// moduleRoot walks up from the package folder to go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// mustHost returns a host over the built plugins that may reach the test
// receivers on 127.0.0.1, closed when tb ends.
func mustHost(tb testing.TB, cfg Config) *Host {
	tb.Helper()
	if cfg.PluginDir == "" {
		cfg.PluginDir = mustPlugins(tb)
	}
	h := NewHost(cfg, nil)
	tb.Cleanup(func() { _ = h.Close() })
	return h
}

// pluginPIDs returns the process ids of h's running plugins.
func pluginPIDs(h *Host) []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var pids []int
	for _, s := range h.procs {
		s.mu.Lock()
		if s.client != nil {
			if rc := s.client.ReattachConfig(); rc != nil && rc.Pid != 0 {
				pids = append(pids, rc.Pid)
			}
		}
		s.mu.Unlock()
	}
	sort.Ints(pids)
	return pids
}

// waitFor polls cond until it holds, failing after a generous deadline
// (a hang guard, not a speed assertion).
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fakeStore is an in-memory core.AlertStore: enough outbox semantics
// (leases, attempts, states) to unit-test the dispatcher.
type fakeStore struct {
	mu       sync.Mutex
	notes    map[int64]*core.Notification
	leased   map[int64]time.Time
	attempts map[int64][]core.Attempt
	claims   int
}

func newFakeStore() *fakeStore {
	return &fakeStore{notes: map[int64]*core.Notification{}, leased: map[int64]time.Time{}, attempts: map[int64][]core.Attempt{}}
}

// add queues a pending notification of a new-issue alert for dest.
func (s *fakeStore) add(id int64, dest *core.Destination, issue *core.Issue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	s.notes[id] = &core.Notification{
		ID: id, AlertID: id, DestinationID: dest.ID, State: core.NotificationPending,
		NextAttemptAt: now, IdempotencyKey: fmt.Sprintf("alert-%d-dest-%d", id, dest.ID),
		Alert:       &core.Alert{ID: id, ProjectID: 1, IssueID: issue.ID, Kind: core.AlertNewIssue, EventID: issue.LastEventID, CreatedAt: now},
		Issue:       issue,
		Project:     &core.Project{ID: 1, Name: "checkout"},
		Destination: dest,
	}
}

func (s *fakeStore) get(id int64) (core.Notification, []core.Attempt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.notes[id], append([]core.Attempt(nil), s.attempts[id]...)
}

func (s *fakeStore) state(id int64) string {
	n, _ := s.get(id)
	return n.State
}

func (s *fakeStore) ClaimNotifications(_ context.Context, now time.Time, limit int, lease time.Duration) ([]*core.Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims++
	ids := make([]int64, 0, len(s.notes))
	for id := range s.notes {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []*core.Notification
	for _, id := range ids {
		n := s.notes[id]
		if len(out) == limit {
			break
		}
		if n.State != core.NotificationPending || n.NextAttemptAt.After(now) || s.leased[id].After(now) {
			continue
		}
		s.leased[id] = now.Add(lease)
		c := *n
		out = append(out, &c)
	}
	return out, nil
}

func (s *fakeStore) RecordAttempt(_ context.Context, id int64, a core.Attempt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notes[id]
	if !ok {
		return core.Errorf(core.ENOTFOUND, "no notification %d", id)
	}
	s.attempts[id] = append(s.attempts[id], a)
	delete(s.leased, id)
	switch {
	case a.Skipped:
		n.State = core.NotificationSkipped
		return nil
	case a.Err == "":
		n.State, n.DeliveredAt, n.LastError = core.NotificationDelivered, &a.At, ""
	case a.Permanent:
		n.State, n.LastError = core.NotificationFailed, a.Err
	default:
		n.NextAttemptAt, n.LastError = a.NextAt, a.Err
	}
	n.Attempts++
	return nil
}

func (s *fakeStore) CreateDestination(context.Context, *core.Destination) error {
	return core.Errorf(core.EINTERNAL, "fake store: not implemented")
}

func (s *fakeStore) FindDestinations(context.Context, int64) ([]*core.Destination, error) {
	return nil, nil
}

func (s *fakeStore) DeleteDestination(context.Context, int64, int64) error {
	return core.Errorf(core.ENOTFOUND, "fake store: no destinations")
}

func (s *fakeStore) FindAlerts(context.Context, int64, int) ([]*core.Alert, error) { return nil, nil }

// fakeEvents is an EventFinder over a map.
type fakeEvents map[string]*core.Event

func (f fakeEvents) FindEventByID(_ context.Context, _ int64, id string) (*core.Event, error) {
	if ev, ok := f[id]; ok {
		return ev, nil
	}
	return nil, core.Errorf(core.ENOTFOUND, "no event %s", id)
}

// equalJSON compares two values by their JSON encoding.
func equalJSON(tb testing.TB, a, b any) bool {
	tb.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		tb.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return string(ja) == string(jb)
}
