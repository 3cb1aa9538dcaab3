package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// Explanation is what `periscope rules test` prints: the grouping decision
// and, when the default layers decided, every variant they computed.
type Explanation struct {
	Grouping core.Grouping
	Variants []Variant
}

// Explain groups ev with e (nil: defaults only) and keeps the details.
func Explain(ev *core.EventData, e *Engine) Explanation {
	g, vs := e.group(ev)
	return Explanation{Grouping: g, Variants: vs}
}

// String renders the explanation for a terminal.
func (x Explanation) String() string {
	var b strings.Builder
	g := x.Grouping
	fmt.Fprintf(&b, "hash:       %s\n", g.Hash)
	switch g.DecidedBy {
	case DecidedByRule:
		fmt.Fprintf(&b, "decided by: grouping rule %q\n", g.Name)
	case DecidedBySDK:
		fmt.Fprintf(&b, "decided by: the SDK's fingerprint (%s variant)\n", g.Name)
	default:
		fmt.Fprintf(&b, "decided by: default grouping, %s variant (%s)\n", g.Name, g.Config)
	}
	if g.Title != "" {
		fmt.Fprintf(&b, "title:      %s\n", g.Title)
	}
	if x.Variants == nil {
		fmt.Fprintf(&b, "components: %s\n", g.Components)
		return b.String()
	}
	if p := Primary(x.Variants); p != nil {
		if len(p.Fingerprint) > 0 {
			fmt.Fprintf(&b, "fingerprint: %q\n", p.Fingerprint)
		}
		if p.Rule != "" {
			fmt.Fprintf(&b, "rule:       %s\n", p.Rule)
		}
		fmt.Fprintf(&b, "values:     %q\n", p.Values())
		if p.Component != nil {
			b.WriteString("components (* = contributes):\n")
			writeIndented(&b, p.Component.Format(), "  ")
		}
	}
	b.WriteString("variants:\n")
	for _, v := range x.Variants {
		h := v.Hash
		if h == "" {
			h = "-"
		}
		fmt.Fprintf(&b, "  %-20s %s", v.Name, h)
		if v.Hint != "" {
			fmt.Fprintf(&b, "  (%s)", v.Hint)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func writeIndented(b *strings.Builder, s, ind string) {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(ind + l + "\n")
	}
}

// DiffEvent is a stored event and the issue it belongs to now.
type DiffEvent struct {
	IssueID int64
	Event   *core.EventData
	// Config is the grouping configuration the event's project uses ("":
	// the engine's default); NewConfig the one to preview ("": Config).
	Config, NewConfig string
}

// DiffReport says what replacing one rule set by another would do to the
// issues the replayed events belong to.
type DiffReport struct {
	// Events is how many events were replayed; Changed how many get a
	// different hash from the new engine than from the old one.
	Events, Changed int
	// Splits lists the issues whose events would land in several groups.
	Splits []IssueSplit
	// Merges lists the new groups that would take events from several
	// issues.
	Merges []GroupMerge
}

// IssueSplit is one issue whose events would be spread over several new
// groups: the event count per new hash.
type IssueSplit struct {
	IssueID int64
	Events  int
	Groups  map[string]int
}

// GroupMerge is one new group fed by several issues: the event count per
// issue.
type GroupMerge struct {
	Hash   string
	Events int
	Issues map[int64]int
}

// Diff replays events through the old and new engines (nil engines group
// with the defaults only), each under its DiffEvent's configurations, and
// reports which issues would split and which
// would merge. Nothing is changed.
func Diff(old, next *Engine, events []DiffEvent) DiffReport {
	rep := DiffReport{Events: len(events)}
	byIssue := map[int64]map[string]int{}
	byHash := map[string]map[int64]int{}
	for _, de := range events {
		newConfig := de.NewConfig
		if newConfig == "" {
			newConfig = de.Config
		}
		oh := old.GroupWithConfig(de.Event, de.Config).Hash
		nh := next.GroupWithConfig(de.Event, newConfig).Hash
		if oh != nh {
			rep.Changed++
		}
		if byIssue[de.IssueID] == nil {
			byIssue[de.IssueID] = map[string]int{}
		}
		byIssue[de.IssueID][nh]++
		if byHash[nh] == nil {
			byHash[nh] = map[int64]int{}
		}
		byHash[nh][de.IssueID]++
	}
	for id, groups := range byIssue {
		if len(groups) > 1 {
			n := 0
			for _, c := range groups {
				n += c
			}
			rep.Splits = append(rep.Splits, IssueSplit{IssueID: id, Events: n, Groups: groups})
		}
	}
	for h, issues := range byHash {
		if len(issues) > 1 {
			n := 0
			for _, c := range issues {
				n += c
			}
			rep.Merges = append(rep.Merges, GroupMerge{Hash: h, Events: n, Issues: issues})
		}
	}
	sort.Slice(rep.Splits, func(i, j int) bool { return rep.Splits[i].IssueID < rep.Splits[j].IssueID })
	sort.Slice(rep.Merges, func(i, j int) bool { return rep.Merges[i].Hash < rep.Merges[j].Hash })
	return rep
}

// String renders the report for a terminal.
func (r DiffReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d events replayed, %d would change hash\n", r.Events, r.Changed)
	fmt.Fprintf(&b, "%d issues would split:\n", len(r.Splits))
	for _, s := range r.Splits {
		fmt.Fprintf(&b, "  issue %d (%d events) -> %d groups:", s.IssueID, s.Events, len(s.Groups))
		for _, h := range sortedKeys(s.Groups) {
			fmt.Fprintf(&b, " %s=%d", h[:12], s.Groups[h])
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d groups would merge issues:\n", len(r.Merges))
	for _, m := range r.Merges {
		ids := make([]int64, 0, len(m.Issues))
		for id := range m.Issues {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		fmt.Fprintf(&b, "  %s (%d events) <-", m.Hash[:12], m.Events)
		for _, id := range ids {
			fmt.Fprintf(&b, " issue %d=%d", id, m.Issues[id])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
