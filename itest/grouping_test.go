package itest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/adminclient"
)

// checkGrouping asserts issue 4's promises on real SDK events: the same
// error raised twice from the same line lands in one issue, from another
// line in another; a {{ default }} fingerprint with an extra value splits
// as asked; messages that differ only in numbers or ids share an issue.
func checkGrouping(t *testing.T, sent []sentEvent, stored map[string]*StoredEvent) {
	t.Helper()
	issues := map[string][]int64{}
	for _, e := range sent {
		if ev := stored[e.EventID]; ev != nil {
			issues[e.Case] = append(issues[e.Case], ev.IssueID)
		}
	}
	same, other := issues["same-line"], issues["other-line"]
	if len(same) != 2 || same[0] != same[1] {
		t.Errorf("same error from the same line landed in issues %v, want one issue", same)
	}
	if len(other) != 1 || len(same) > 0 && other[0] == same[0] {
		t.Errorf("same error from another line landed in %v, want an issue other than %v", other, same)
	}
	if fp := issues["fingerprint-default"]; len(fp) != 2 || fp[0] == fp[1] || (len(same) > 0 && (fp[0] == same[0] || fp[1] == same[0])) {
		t.Errorf("{{ default }} + tenant landed in %v, want two issues apart from the default one %v", fp, same)
	}
	if m := issues["message-params"]; len(m) != 2 || m[0] != m[1] {
		t.Errorf("messages differing only in numbers landed in %v, want one issue", m)
	}
}

// TestGroupingRules: a YAML rule merges two different exceptions into one
// issue (with its title) and leaves everything else as it was; the API
// explains each decision; a broken rule stops start-up with the rule's name
// and position; a broken reload keeps the old rules and /readyz says why.
func TestGroupingRules(t *testing.T) {
	t.Parallel()
	const cfg = `grouping:
  rules:
    - name: database-down
      when: 'exception.type in ["OperationalError", "ConnectionRefusedError"]'
      fingerprint: ['"database-down"']
      title: '"Database unreachable"'
`
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, cfg)
		p := s.CreateProject("rules")
		send := func(id, typ, value string) {
			t.Helper()
			body := fmt.Sprintf(`{"event_id":"%s","platform":"python","level":"error","exception":{"values":[{"type":%q,"value":%q,"stacktrace":{"frames":[{"module":"app.db","function":"connect","filename":"app/db.py","context_line":"conn = psycopg.connect(dsn)","in_app":true}]}}]}}`, id, typ, value)
			if code := postStore(t, s, p, body); code != 200 {
				t.Fatalf("store: status %d", code)
			}
		}
		send("a0000000000000000000000000000001", "OperationalError", "could not connect")
		send("a0000000000000000000000000000002", "ConnectionRefusedError", "[Errno 111] refused")
		send("a0000000000000000000000000000003", "KeyError", "'user'")
		e1 := s.WaitEvent(t, p.ID, "a0000000000000000000000000000001")
		e2 := s.WaitEvent(t, p.ID, "a0000000000000000000000000000002")
		e3 := s.WaitEvent(t, p.ID, "a0000000000000000000000000000003")
		if e1.IssueID != e2.IssueID {
			t.Errorf("the rule did not merge: issues %d and %d", e1.IssueID, e2.IssueID)
		}
		if e3.IssueID == e1.IssueID || e3.Grouping.DecidedBy != "default" {
			t.Errorf("the KeyError was touched by the rule: issue %d (rule's %d), decided by %q", e3.IssueID, e1.IssueID, e3.Grouping.DecidedBy)
		}
		if e1.Title != "Database unreachable" {
			t.Errorf("rule title not used: %q", e1.Title)
		}
		var g adminclient.EventGrouping
		if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/events/%s/grouping", p.ID, "a0000000000000000000000000000002"), nil, &g); code != 200 || g.DecidedBy != "rule" || g.Name != "database-down" || len(g.Hash) != 32 {
			t.Errorf("grouping explanation: status %d %+v", code, g)
		}
		if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d/events/%s/grouping", p.ID, "a0000000000000000000000000000003"), nil, &g); code != 200 || g.DecidedBy != "default" || !strings.Contains(string(g.Components), "KeyError") {
			t.Errorf("default grouping explanation: status %d %+v %s", code, g, g.Components)
		}

		// A broken edit is refused; the old rules keep grouping.
		broken := strings.Replace(cfg, `exception.type in`, `exception.typo in`, 1)
		if err := os.WriteFile(filepath.Join(s.Dir, "config.yaml"), []byte(broken), 0o644); err != nil {
			t.Fatal(err)
		}
		var ready struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}
		WaitFor(t, 10*time.Second, "/readyz to report the broken rules", func() bool {
			return s.Do("GET", "/readyz", nil, &ready) == 503 && strings.Contains(ready.Checks["config"], "database-down")
		})
		send("a0000000000000000000000000000004", "OperationalError", "still down")
		if e4 := s.WaitEvent(t, p.ID, "a0000000000000000000000000000004"); e4.IssueID != e1.IssueID {
			t.Errorf("after a broken reload the old rule no longer applies: issue %d, want %d", e4.IssueID, e1.IssueID)
		}
		// Fixing the file brings readiness back.
		if err := os.WriteFile(filepath.Join(s.Dir, "config.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		WaitFor(t, 10*time.Second, "/readyz to recover", func() bool { return s.Do("GET", "/readyz", nil, nil) == 200 })
	})

	t.Run("broken rule stops start-up", func(t *testing.T) {
		s := NewServer(t, DB{Name: "sqlite"}, strings.Replace(cfg, `exception.type in`, `exception.typo in`, 1))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, code := s.RunCLI(ctx, "serve")
		if code == 0 {
			t.Fatalf("exit 0 with a broken rule:\n%s", out)
		}
		for _, want := range []string{"database-down", "config.yaml:4:", "typo"} {
			if !strings.Contains(out, want) {
				t.Errorf("output does not mention %q:\n%s", want, out)
			}
		}
	})
}

// postStore sends one event to the store endpoint with the project's key.
func postStore(t *testing.T, s *Server, p *Project, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/%d/store/", s.URL, p.ID), strings.NewReader(body))
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+p.Keys[0].PublicKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
