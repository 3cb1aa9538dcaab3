package storetest

import (
	"context"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

// fingerprintTests: every hash is stored with the grouping configuration
// that computed it, and during a configuration transition an event whose
// hash is new joins the issue its fallback (old) hash names.
var fingerprintTests = []test{
	{"ConfigBesideHash", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "cfg")
		res := MustWrite(t, s, withConfig(NewEvent(p.ID, "aaaa1"), core.GroupingConfig2023))
		got, err := s.FindIssueFingerprints(ctx, res[0].IssueID)
		must(t, "FindIssueFingerprints", err)
		if len(got) != 1 || got[0].Hash != "aaaa1" || got[0].Config != core.GroupingConfig2023 || got[0].CreatedAt.IsZero() {
			t.Errorf("fingerprints %s, want aaaa1 of %s", fps(got), core.GroupingConfig2023)
		}
		_, err = s.FindIssueFingerprints(ctx, res[0].IssueID+1000)
		wantCode(t, "FindIssueFingerprints(unknown)", err, core.ENOTFOUND)
	}},
	{"FallbackJoinsIssue", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "join")
		old := MustWrite(t, s, withConfig(NewEvent(p.ID, "old1"), core.GroupingConfig2023))[0]
		if !old.NewIssue || old.AlertID == 0 {
			t.Fatalf("first event: %+v, want a new issue with an alert", old)
		}
		res := mustWriteFallback(t, s, withConfig(NewEvent(p.ID, "new1"), core.GroupingConfig2026), "old1")
		if res.IssueID != old.IssueID || res.NewIssue || res.AlertID != 0 {
			t.Errorf("event with a new hash and a known fallback: %+v, want issue %d, no new issue, no alert", res, old.IssueID)
		}
		// The new hash is now the issue's alias: found without a fallback.
		again := MustWrite(t, s, withConfig(NewEvent(p.ID, "new1"), core.GroupingConfig2026))[0]
		if again.IssueID != old.IssueID || again.NewIssue || again.AlertID != 0 {
			t.Errorf("the new hash alone: %+v, want issue %d", again, old.IssueID)
		}
		got, err := s.FindIssueFingerprints(ctx, old.IssueID)
		must(t, "FindIssueFingerprints", err)
		if want := "old1/" + core.GroupingConfig2023 + " new1/" + core.GroupingConfig2026; fps(got) != want {
			t.Errorf("fingerprints %s, want %s", fps(got), want)
		}
		if is := mustIssue(t, s, old.IssueID); is.Count != 3 {
			t.Errorf("issue count %d, want 3", is.Count)
		}
		issues, _, err := s.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID})
		must(t, "FindIssues", err)
		if len(issues) != 1 {
			t.Errorf("%d issues, want 1", len(issues))
		}
	}},
	{"UnknownFallbackCreates", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "create")
		res := mustWriteFallback(t, s, withConfig(NewEvent(p.ID, "new2"), core.GroupingConfig2026), "old2")
		if !res.NewIssue || res.AlertID == 0 {
			t.Errorf("new hash, unknown fallback: %+v, want a new issue with an alert", res)
		}
		got, err := s.FindIssueFingerprints(ctx, res.IssueID)
		must(t, "FindIssueFingerprints", err)
		if want := "new2/" + core.GroupingConfig2026; fps(got) != want {
			t.Errorf("fingerprints %s, want only %s (fallbacks are never recorded)", fps(got), want)
		}
		// The fallback hash was not recorded: an event of it alone starts
		// its own issue.
		if other := MustWrite(t, s, NewEvent(p.ID, "old2"))[0]; other.IssueID == res.IssueID || !other.NewIssue {
			t.Errorf("the unrecorded fallback hash: %+v, want a new issue", other)
		}
	}},
	{"KnownHashWins", func(t *testing.T, s core.Store) {
		p := MustCreateProject(t, s, "wins")
		a := MustWrite(t, s, NewEvent(p.ID, "old3"))[0]
		b := MustWrite(t, s, NewEvent(p.ID, "new3"))[0]
		if res := mustWriteFallback(t, s, NewEvent(p.ID, "new3"), "old3"); res.IssueID != b.IssueID {
			t.Errorf("a known hash with a fallback of another issue went to issue %d, want its own %d (not %d)", res.IssueID, b.IssueID, a.IssueID)
		}
	}},
	{"FirstKnownFallback", func(t *testing.T, s core.Store) {
		p := MustCreateProject(t, s, "order")
		a := MustWrite(t, s, NewEvent(p.ID, "fb-a"))[0]
		b := MustWrite(t, s, NewEvent(p.ID, "fb-b"))[0]
		if res := mustWriteFallback(t, s, NewEvent(p.ID, "new5"), "fb-x", "fb-b", "fb-a"); res.IssueID != b.IssueID {
			t.Errorf("fallbacks [unknown, b, a] went to issue %d, want b's %d (a is %d)", res.IssueID, b.IssueID, a.IssueID)
		}
	}},
	{"FallbackInOneBatch", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "batch")
		old := MustWrite(t, s, NewEvent(p.ID, "old6"))[0]
		fb := []core.Fingerprint{{Hash: "old6", Config: core.GroupingConfig2023}}
		batch := []*core.EventWrite{
			{Event: NewEvent(p.ID, "new6"), Fallbacks: fb},
			{Event: NewEvent(p.ID, "new6"), Fallbacks: fb},
			{Event: NewEvent(p.ID, "new6b"), Fallbacks: fb},
			{Event: NewEvent(p.ID, "new6c")},
		}
		res, err := s.WriteEvents(ctx, batch)
		must(t, "WriteEvents", err)
		for i, r := range res[:3] {
			if r.IssueID != old.IssueID || r.NewIssue || r.AlertID != 0 {
				t.Errorf("event %d: %+v, want issue %d without alert", i, r, old.IssueID)
			}
		}
		if !res[3].NewIssue || res[3].IssueID == old.IssueID {
			t.Errorf("event without fallback: %+v, want its own new issue", res[3])
		}
		got, err := s.FindIssueFingerprints(ctx, old.IssueID)
		must(t, "FindIssueFingerprints", err)
		if len(got) != 3 {
			t.Errorf("fingerprints %s, want old6, new6 and new6b", fps(got))
		}
	}},
	{"MergeKeepsConfigs", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "merge")
		a := MustWrite(t, s, withConfig(NewEvent(p.ID, "m1"), core.GroupingConfig2023))[0]
		b := MustWrite(t, s, withConfig(NewEvent(p.ID, "m2"), core.GroupingConfig2026))[0]
		_, err := s.MergeIssues(ctx, a.IssueID, []int64{b.IssueID})
		must(t, "MergeIssues", err)
		got, err := s.FindIssueFingerprints(ctx, a.IssueID)
		must(t, "FindIssueFingerprints", err)
		if want := "m1/" + core.GroupingConfig2023 + " m2/" + core.GroupingConfig2026; fps(got) != want {
			t.Errorf("after merge: %s, want %s", fps(got), want)
		}
	}},
	{"BadFallback", func(t *testing.T, s core.Store) {
		p := MustCreateProject(t, s, "bad")
		_, err := s.WriteEvents(context.Background(), []*core.EventWrite{{Event: NewEvent(p.ID, "b1"), Fallbacks: []core.Fingerprint{{Hash: ""}}}})
		wantCode(t, "WriteEvents(empty fallback)", err, core.EINVALID)
	}},
}

func withConfig(e *core.Event, config string) *core.Event {
	e.Grouping.Config = config
	return e
}

// mustWriteFallback stores e with fallback hashes (of the 2023
// configuration) or fails t.
func mustWriteFallback(t *testing.T, s core.Store, e *core.Event, fallbacks ...string) core.WriteResult {
	t.Helper()
	w := &core.EventWrite{Event: e}
	for _, h := range fallbacks {
		w.Fallbacks = append(w.Fallbacks, core.Fingerprint{Hash: h, Config: core.GroupingConfig2023})
	}
	res, err := s.WriteEvents(context.Background(), []*core.EventWrite{w})
	must(t, "WriteEvents", err)
	return res[0]
}

// fps renders fingerprints as "hash/config ..." in their order.
func fps(fs []*core.Fingerprint) string {
	out := ""
	for i, f := range fs {
		if i > 0 {
			out += " "
		}
		out += f.Hash + "/" + f.Config
	}
	return out
}
