package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestIssueListDefaultsToUnresolved: like Sentry, `issue list` shows what
// needs attention; --status all shows everything, --status resolved only
// the resolved ones.
func TestIssueListDefaultsToUnresolved(t *testing.T) {
	s := MustRunMain(t)
	pid, dsn := s.project("app")
	s.store(dsn, `{"message":"still broken","level":"error"}`)
	s.store(dsn, `{"message":"fixed already","level":"error"}`)
	waitFor(t, "two issues", func() bool { return len(s.issues(pid)) == 2 })
	var fixed int64
	for _, is := range s.issues(pid) {
		if is.Title == "fixed already" {
			fixed = is.ID
		}
	}
	if _, errOut, code := s.cli("issue", "resolve", fmt.Sprint(fixed)); code != 0 {
		t.Fatalf("issue resolve: exit %d: %s", code, errOut)
	}
	project := fmt.Sprint(pid)
	for _, c := range []struct {
		args       []string
		want, gone []string
	}{
		{nil, []string{"still broken"}, []string{"fixed already"}},
		{[]string{"--status", "unresolved"}, []string{"still broken"}, []string{"fixed already"}},
		{[]string{"--status", "all"}, []string{"still broken", "fixed already"}, nil},
		{[]string{"--status", "resolved"}, []string{"fixed already"}, []string{"still broken"}},
		// Sentry's search syntax: an is: term takes the place of the
		// default status; an explicit --status still applies.
		{[]string{"--query", "is:resolved"}, []string{"fixed already"}, []string{"still broken"}},
		{[]string{"--query", `level:error "already"`, "--status", "all"}, []string{"fixed already"}, []string{"still broken"}},
		{[]string{"--query", "!level:info broken"}, []string{"still broken"}, []string{"fixed already"}},
		{[]string{"--query", "is:resolved", "--status", "unresolved"}, nil, []string{"still broken", "fixed already"}},
	} {
		out, errOut, code := s.cli(append([]string{"issue", "list", "--project", project}, c.args...)...)
		if code != 0 {
			t.Fatalf("issue list %v: exit %d: %s", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("issue list %v does not show %q:\n%s", c.args, w, out)
			}
		}
		for _, g := range c.gone {
			if strings.Contains(out, g) {
				t.Errorf("issue list %v shows %q:\n%s", c.args, g, out)
			}
		}
	}
	if _, errOut, code := s.cli("issue", "list", "--project", project, "--status", "open"); code != exitUsage || !strings.Contains(errOut, "status") {
		t.Errorf("--status open: exit %d, %q; want exit %d naming status", code, errOut, exitUsage)
	}
	if _, errOut, code := s.cli("issue", "list", "--project", project, "--query", "level:error lvl/x:y"); code != exitUsage || !strings.Contains(errOut, "lvl/x:y") {
		t.Errorf("--query with a bad key: exit %d, %q; want exit %d naming the token", code, errOut, exitUsage)
	}
}

// TestIssueDeleteAndProjectDelete: the id verbs print their answer, or
// their JSON with --json, and a missing issue exits exitNotFound.
func TestIssueDeleteAndProjectDelete(t *testing.T) {
	s := MustRunMain(t)
	pid, dsn := s.project("doomed")
	s.store(dsn, `{"message":"gone soon","level":"error"}`)
	waitFor(t, "one issue", func() bool { return len(s.issues(pid)) == 1 })
	id := fmt.Sprint(s.issues(pid)[0].ID)
	out, errOut, code := s.cli("issue", "delete", id, "--json")
	var deleted struct {
		Deleted int64 `json:"deleted"`
	}
	if err := json.Unmarshal([]byte(out), &deleted); code != 0 || err != nil || fmt.Sprint(deleted.Deleted) != id {
		t.Fatalf("issue delete --json: exit %d %s, %q (%v), want {\"deleted\": %s}", code, errOut, out, err, id)
	}
	if _, errOut, code := s.cli("issue", "show", id); code != exitNotFound || !strings.Contains(errOut, "not found") {
		t.Errorf("issue show after delete: exit %d %q, want %d", code, errOut, exitNotFound)
	}
	if _, _, code := s.cli("issue", "delete", id); code != exitNotFound {
		t.Errorf("issue delete again: exit %d, want %d", code, exitNotFound)
	}
	if out, errOut, code := s.cli("project", "delete", fmt.Sprint(pid)); code != 0 || !strings.Contains(out, fmt.Sprintf("Deleted project %d", pid)) {
		t.Errorf("project delete: exit %d %s, %q", code, errOut, out)
	}
	if _, _, code := s.cli("issue", "delete", "x"); code != exitUsage {
		t.Errorf("issue delete x: exit %d, want %d", code, exitUsage)
	}
}
