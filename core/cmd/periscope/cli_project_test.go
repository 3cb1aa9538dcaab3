package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestProjectListShowsEffectiveRetention: a project without its own
// retention shows the server's retention.days, marked as the default.
func TestProjectListShowsEffectiveRetention(t *testing.T) {
	s := MustRunMain(t, withYAML("retention:\n  days: 30\n"))
	pid, _ := s.project("defaulted")
	p, err := s.client().GetProject(context.Background(), pid)
	if err != nil {
		t.Fatal(err)
	}
	if p.RetentionDays != 0 || p.EffectiveRetentionDays != 30 {
		t.Fatalf("project answer: retention_days %d, effective %d; want 0 and the configured 30", p.RetentionDays, p.EffectiveRetentionDays)
	}
	out, errOut, code := s.cli("project", "list")
	if code != 0 || !strings.Contains(out, "30d (default)") {
		t.Fatalf("project list: exit %d %s\n%s", code, errOut, out)
	}
	out, _, _ = s.cli("project", "update", fmt.Sprint(pid), "--retention-days", "7")
	if !strings.Contains(out, "retention 7d") {
		t.Fatalf("project update:\n%s", out)
	}
}
