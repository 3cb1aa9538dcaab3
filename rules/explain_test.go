package rules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
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
		{IssueID: 1, Event: dbEvent("OperationalError", "db.pool")},
		{IssueID: 1, Event: dbEvent("OperationalError", "cache.redis")},
		{IssueID: 2, Event: dbEvent("ConnectionRefusedError", "db.client")},
		{IssueID: 2, Event: dbEvent("ConnectionRefusedError", "db.client")},
		{IssueID: 3, Event: goEvent()},
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

// TestDiffConfig: a grouping configuration change is previewed like a
// rule change. Under newstyle:2026-01-20 {{ message }} in a fingerprint is
// parameterized, so two issues whose messages differ only in a number
// would merge; keeping the configuration changes nothing.
func TestDiffConfig(t *testing.T) {
	msg := func(text string) *core.EventData {
		return &core.EventData{Platform: "python", LogEntry: &core.LogEntry{Formatted: text}, Fingerprint: []string{"{{ message }}"}}
	}
	events := []DiffEvent{
		{IssueID: 1, Event: msg("payment 1234 failed"), Config: core.GroupingConfig2023, NewConfig: core.GroupingConfig2026},
		{IssueID: 2, Event: msg("payment 5678 failed"), Config: core.GroupingConfig2023, NewConfig: core.GroupingConfig2026},
	}
	r := Diff(nil, nil, events)
	if r.Changed != 2 || len(r.Merges) != 1 || len(r.Merges[0].Issues) != 2 || len(r.Splits) != 0 {
		t.Errorf("2023 -> 2026: %+v, want both changed and issues 1 and 2 merged", r)
	}
	for i := range events {
		events[i].NewConfig = ""
	}
	if r := Diff(nil, nil, events); r.Changed != 0 || len(r.Merges) != 0 {
		t.Errorf("same configuration: %+v, want nothing changed", r)
	}
}

// TestStoredComponentsKeepNonContributing: the components stored with an
// event hold the whole tree of the deciding variant, with the parts that
// do not contribute marked and the reason Sentry gives (a library frame
// "marked out of app by stack trace rule"), and every variant computed,
// those that lost with why.
func TestStoredComponentsKeepNonContributing(t *testing.T) {
	g := DefaultGrouping(goEvent())
	var got struct {
		Variant   string `json:"variant"`
		Component any    `json:"component"`
		Variants  []struct {
			Name, Hash, Hint string
		} `json:"variants"`
	}
	if err := json.Unmarshal(g.Components, &got); err != nil {
		t.Fatalf("components %s: %v", g.Components, err)
	}
	var out []string
	var walk func(any)
	walk = func(n any) {
		m, _ := n.(map[string]any)
		if m == nil {
			return
		}
		if c, _ := m["contributes"].(bool); !c && m["id"] == "frame" {
			h, _ := m["hint"].(string)
			out = append(out, h)
		}
		vals, _ := m["values"].([]any)
		for _, v := range vals {
			walk(v)
		}
	}
	walk(got.Component)
	if len(out) == 0 || !strings.Contains(strings.Join(out, "|"), "marked out of app by stack trace rule") {
		t.Errorf("non-contributing frames %q: want the module-cache frames with their hint\n%s", out, g.Components)
	}
	var names []string
	for _, v := range got.Variants {
		names = append(names, v.Name)
		if v.Name == got.Variant && v.Hash != g.Hash {
			t.Errorf("deciding variant %+v: want hash %s", v, g.Hash)
		}
	}
	if strings.Join(names, " ") != "app system" {
		t.Errorf("variants %v: want app system\n%s", names, g.Components)
	}
}
