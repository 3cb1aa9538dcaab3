package rules

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	x := Explain(goEvent(), nil)
	s := x.String()
	for _, want := range []string{
		"hash:       " + x.Grouping.Hash,
		"decided by: default grouping, app variant (newstyle:2023-01-11)",
		`"github.com/acme/shop/internal/orders"`,
		"marked out of app by stack trace rule (path:**/go/pkg/mod/** -app)",
		"variants:\n  app ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("explanation lacks %q:\n%s", want, s)
		}
	}
	e := mustEngine(t, dbRules)
	x = Explain(dbEvent("OperationalError", "db.pool"), e)
	if s := x.String(); !strings.Contains(s, `decided by: grouping rule "database-down"`) || !strings.Contains(s, `"database-down","db-7"`) {
		t.Errorf("rule explanation:\n%s", s)
	}
	ev := goEvent()
	ev.Fingerprint = []string{"{{ default }}", "x"}
	if s := Explain(ev, e).String(); !strings.Contains(s, "decided by: the SDK's fingerprint (app variant)") || !strings.Contains(s, `fingerprint: ["{{ default }}" "x"]`) {
		t.Errorf("sdk explanation:\n%s", s)
	}
}

func TestDiff(t *testing.T) {
	old := mustEngine(t, "rules: []")
	next := mustEngine(t, dbRules)
	// Issue 1: OperationalError events, one through db.* (the new rule
	// takes it) and one through cache.* (stays): issue 1 splits.
	// Issue 2: ConnectionRefusedError through db.*: the rule merges it
	// with issue 1's first event.
	// Issue 3: an unrelated event: unchanged.
	events := []DiffEvent{
		{1, dbEvent("OperationalError", "db.pool")},
		{1, dbEvent("OperationalError", "cache.redis")},
		{2, dbEvent("ConnectionRefusedError", "db.client")},
		{2, dbEvent("ConnectionRefusedError", "db.client")},
		{3, goEvent()},
	}
	r := Diff(old, next, events)
	if r.Events != 5 || r.Changed != 3 {
		t.Errorf("events %d changed %d, want 5 and 3", r.Events, r.Changed)
	}
	if len(r.Splits) != 1 || r.Splits[0].IssueID != 1 || len(r.Splits[0].Groups) != 2 || r.Splits[0].Events != 2 {
		t.Errorf("splits %+v", r.Splits)
	}
	if len(r.Merges) != 1 || r.Merges[0].Events != 3 || r.Merges[0].Issues[1] != 1 || r.Merges[0].Issues[2] != 2 {
		t.Errorf("merges %+v", r.Merges)
	}
	s := r.String()
	if !strings.Contains(s, "1 issues would split") || !strings.Contains(s, "issue 1=1 issue 2=2") {
		t.Errorf("report:\n%s", s)
	}
	if r := Diff(next, next, events); len(r.Splits) != 1 || r.Changed != 0 {
		// Issue 1 still holds two groups under the same rules: the stored
		// issue ids, not the old engine, define today's groups.
		t.Errorf("identical engines: %+v", r)
	}
}
