package itest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// statusNotReported marks an event whose SDK does not tell the HTTP status
// of its send (sentry-go); only its storage is checked.
const statusNotReported = -1

// sentEvent is one event an SDK reported as sent.
type sentEvent struct {
	EventID string `json:"event_id"`
	Status  int    `json:"status"`
	Case    string `json:"case"`
}

// StoredEvent is the admin API's event, with its normalized data decoded.
type StoredEvent struct {
	core.Event
	// Data is the normalized event (core.Event carries it as raw JSON).
	Data core.EventData `json:"data"`
}

// Issue is the admin API's issue.
type Issue = core.Issue

// WaitEvent polls until the event is stored and returns it.
func (s *Server) WaitEvent(t testing.TB, projectID int64, eventID string) *StoredEvent {
	t.Helper()
	var ev StoredEvent
	WaitFor(t, 15*time.Second, "event "+eventID+" to be stored", func() bool {
		return s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/events/%s", projectID, eventID), nil, &ev) == 200
	})
	return &ev
}

// Issues lists a project's issues (first page).
func (s *Server) Issues(t testing.TB, projectID int64) []Issue {
	t.Helper()
	var out struct {
		Issues []Issue `json:"issues"`
	}
	if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/issues?limit=1000", projectID), nil, &out); code != 200 {
		t.Fatalf("list issues: status %d", code)
	}
	return out.Issues
}

// jsDir is itest/js, where package.json pins the JavaScript SDKs.
func jsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(repoRoot(), "itest", "js")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@sentry", "node")); err != nil {
		t.Fatalf("the JavaScript SDKs are not installed: run `make npm` (cd itest/js && npm ci) first; make test does it")
	}
	return dir
}

// runNodeScript runs a script in itest/js with node and returns what it
// printed; a failed run fails t, showing both outputs.
func runNodeScript(t testing.TB, script string, args ...string) (stdout []byte, stderr string) {
	t.Helper()
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Dir = jsDir(t)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s\nstdout:\n%s", script, err, errOut.String(), out)
	}
	return out, errOut.String()
}

// runNode runs a script in itest/js and parses the sentEvent lines it prints.
func runNode(t testing.TB, script string, args ...string) []sentEvent {
	t.Helper()
	out, stderr := runNodeScript(t, script, args...)
	var sent []sentEvent
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var e sentEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("node %s printed %q: %v", script, line, err)
		}
		sent = append(sent, e)
	}
	if testing.Verbose() {
		t.Logf("node %s stderr:\n%s", script, stderr)
	}
	return sent
}

// checkStoredOnce checks that every sent event was answered 200 and is
// stored exactly once, and that the issues' counts add up to the events.
func checkStoredOnce(t *testing.T, s *Server, projectID int64, sent []sentEvent) map[string]*StoredEvent {
	t.Helper()
	got := map[string]*StoredEvent{}
	for _, e := range sent {
		if e.Status != 200 && e.Status != statusNotReported {
			t.Errorf("event %s (%s): the SDK got status %d, want 200", e.EventID, e.Case, e.Status)
			continue
		}
		got[e.EventID] = s.WaitEvent(t, projectID, e.EventID)
	}
	var total int64
	for _, is := range s.Issues(t, projectID) {
		total += is.Count
	}
	if total != int64(len(got)) {
		t.Errorf("issues count %d events, want %d (each sent event stored exactly once)", total, len(got))
	}
	return got
}
