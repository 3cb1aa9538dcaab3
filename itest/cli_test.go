package itest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// TestCLI drives the admin API through `periscope` subcommands, as people
// and scripts do: tables by default, --json for scripts, and exit codes
// that say what went wrong. The server URL comes from the configuration
// (its listen address) and the key from API_SECRET_KEY_ADMIN, unless
// --url and --admin-key say otherwise.
func TestCLI(t *testing.T) {
	t.Parallel()
	s := StartServer(t, DB{Name: "sqlite"}, "")
	ctx := context.Background()
	run := func(want int, args ...string) string {
		t.Helper()
		out, code := s.RunCLI(ctx, args...)
		if code != want {
			t.Fatalf("periscope %s: exit %d, want %d:\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	runJSON := func(out any, args ...string) {
		t.Helper()
		text := run(0, append(args, "--json")...)
		if err := json.Unmarshal([]byte(text), out); err != nil {
			t.Fatalf("periscope %s --json: %v:\n%s", strings.Join(args, " "), err, text)
		}
	}

	var p Project
	runJSON(&p, "project", "create", "--name", "cli", "--url", s.URL)
	if p.ID == 0 || len(p.Keys) != 1 || !dsnRE.MatchString(p.Keys[0].DSN) {
		t.Fatalf("project create --json: %+v", p)
	}
	pid := fmt.Sprint(p.ID)
	run(exitCodeConflict, "project", "create", "--name", "cli", "--url", s.URL)
	if out := run(0, "project", "list"); !strings.Contains(out, "NAME") || !strings.Contains(out, "cli") || !strings.Contains(out, p.Keys[0].DSN) {
		t.Errorf("project list:\n%s", out)
	}
	var key core.ProjectKey
	runJSON(&key, "key", "create", "--project", pid, "--label", "deploys")
	if out := run(0, "key", "list", "--project", pid); !strings.Contains(out, "deploys") || !strings.Contains(out, key.PublicKey) {
		t.Errorf("key list:\n%s", out)
	}
	run(0, "key", "update", "--project", pid, key.PublicKey, "--rate-limit", "100")
	run(0, "key", "revoke", "--project", pid, key.PublicKey)
	run(exitCodeNotFound, "key", "revoke", "--project", pid, key.PublicKey)
	run(exitCodeUsage, "key", "list")

	for _, msg := range []string{"one", "one", "two"} {
		if code := sendMessage(t, p.Keys[0].DSN, msg); code != 200 {
			t.Fatalf("send %q: %d", msg, code)
		}
	}
	var page adminclient.IssuePage
	WaitFor(t, 15*time.Second, "two issues", func() bool {
		runJSON(&page, "issue", "list", "--project", pid, "--sort", "count")
		return len(page.Issues) == 2 && page.Issues[0].Count == 2
	})
	one, two := fmt.Sprint(page.Issues[0].ID), fmt.Sprint(page.Issues[1].ID)
	if out := run(0, "issue", "list", "--project", pid, "--query", "tw"); !strings.Contains(out, "TITLE") || !strings.Contains(out, "two") || strings.Contains(out, "one") {
		t.Errorf("issue list --query tw:\n%s", out)
	}
	if out := run(exitCodeUsage, "issue", "list", "--project", pid, "--status", "open"); !strings.Contains(out, "status") {
		t.Errorf("a bad filter does not name it:\n%s", out)
	}
	if out := run(0, "issue", "show", one); !strings.Contains(out, "last 24h") || !strings.Contains(out, "events       2") {
		t.Errorf("issue show:\n%s", out)
	}
	var is admIssue
	runJSON(&is, "issue", "resolve", one)
	if is.Status != "resolved" {
		t.Errorf("issue resolve --json: %+v", is)
	}
	if out := run(0, "issue", "ignore", two, "--count", "5"); !strings.Contains(out, "ignored") {
		t.Errorf("issue ignore --count:\n%s", out)
	}
	run(0, "issue", "ignore", two, "--for", "2h")
	run(exitCodeUsage, "issue", "ignore", two, "--until", "soon")
	run(0, "issue", "unresolve", two)
	if out := run(0, "issue", "merge", one, two); !strings.Contains(out, "3 events") {
		t.Errorf("issue merge:\n%s", out)
	}
	run(exitCodeNotFound, "issue", "show", two)
	run(exitCodeUsage, "issue", "merge", one)

	var ev StoredEvent
	runJSON(&ev, "event", "show", "--issue", one, "--latest")
	if out := run(0, "event", "show", "--project", pid, ev.EventID); !strings.Contains(out, "Grouped by") || !strings.Contains(out, ev.EventID) || !(strings.Contains(out, "Message\n  one") || strings.Contains(out, "Message\n  two")) {
		t.Errorf("event show:\n%s", out)
	}
	if out := run(0, "event", "show", "--issue", one, "--latest", "--raw"); !json.Valid([]byte(out)) || !strings.Contains(out, `"message"`) {
		t.Errorf("event show --raw is not the payload:\n%s", out)
	}
	run(exitCodeNotFound, "event", "show", "--project", pid, strings.Repeat("f", 32))

	if out := run(0, "alert", "list", "--project", pid); !strings.Contains(out, "new_issue") {
		t.Errorf("alert list:\n%s", out)
	}
	run(exitCodeUsage, "alert", "list", "--project", pid, "--kind", "bogus")
	if out := run(0, "destination", "list", "--project", pid); !strings.Contains(out, "PLUGIN") {
		t.Errorf("destination list:\n%s", out)
	}
	run(exitCodeNotFound, "destination", "test", "--project", pid, "999")

	run(exitCodeAuth, "issue", "list", "--project", pid, "--admin-key", "wrong")
	run(exitCodeUnreachable, "issue", "list", "--project", pid, "--url", fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
	run(exitCodeUsage, "issue")
	run(exitCodeUsage, "issue", "frobnicate")
	run(0, "issue", "--help")

	if out := run(0, "project", "delete", pid); !strings.Contains(out, "Deleted project") {
		t.Errorf("project delete:\n%s", out)
	}
	run(exitCodeNotFound, "project", "delete", pid)
}

// The CLI's exit codes (core/cmd/periscope/cli.go and main.go).
const (
	exitCodeUsage       = 2
	exitCodeNotFound    = 5
	exitCodeAuth        = 6
	exitCodeUnreachable = 7
	exitCodeConflict    = 8
)
