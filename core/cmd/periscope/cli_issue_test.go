package main

import (
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
}
