package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/rules"
)

// pyError is a Python exception with an in-app frame: its hash differs
// between the configurations (the exception's children are ordered
// stacktrace, type, value in 2023 and type, value, stacktrace in 2026).
func pyError(fn string) string {
	return fmt.Sprintf(`{"platform":"python","level":"error","exception":{"values":[{"type":"ZeroDivisionError","value":"division by zero",`+
		`"stacktrace":{"frames":[{"module":"shop.views","function":%q,"filename":"shop/views.py","lineno":12,`+
		`"context_line":"    return 1 / 0","in_app":true}]}}]}}`, fn)
}

// TestGroupingPerProjectConfig: the pipeline groups each event with the
// configuration its project uses, and during a transition an event whose
// new hash is unknown joins the issue of its old hash, without an alert.
func TestGroupingPerProjectConfig(t *testing.T) {
	st, proj := mustStore(t)
	ctx := context.Background()
	p := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{Workers: 1, BatchSize: 4})
	seq := 0
	send := func(g core.GroupingSettings, payload string) *core.Event {
		t.Helper()
		seq++
		a := accepted(proj, seq, payload)
		a.Grouping = g
		if err := p.Submit(a); err != nil {
			t.Fatal(err)
		}
		if err := <-a.Done; err != nil {
			t.Fatalf("event %d: %v", seq, err)
		}
		ev, err := st.FindEventByID(ctx, proj.ID, a.EventID)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	alerts := func() int {
		t.Helper()
		as, err := st.FindAlerts(ctx, proj.ID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}

	on2023 := core.GroupingSettings{Config: core.GroupingConfig2023}
	a := send(on2023, pyError("divide"))
	b := send(on2023, pyError("checkout"))
	if a.Grouping.Config != core.GroupingConfig2023 || a.IssueID == b.IssueID {
		t.Fatalf("on 2023: config %q, issues %d and %d", a.Grouping.Config, a.IssueID, b.IssueID)
	}
	// The project's configuration decides, not the server's default.
	if d := send(core.GroupingSettings{Config: core.GroupingConfig2026}, msg("hello")); d.Grouping.Config != core.GroupingConfig2026 {
		t.Errorf("a 2026 project's event grouped with %q", d.Grouping.Config)
	}
	before := alerts()

	moving := core.GroupingSettings{Config: core.GroupingConfig2026, Previous: core.GroupingConfig2023, Until: time.Now().Add(time.Hour)}
	a2 := send(moving, pyError("divide"))
	if a2.Grouping.Config != core.GroupingConfig2026 || a2.Grouping.Hash == a.Grouping.Hash {
		t.Fatalf("during the transition: config %q hash %s (2023's %s), want the 2026 hash", a2.Grouping.Config, a2.Grouping.Hash, a.Grouping.Hash)
	}
	if a2.IssueID != a.IssueID {
		t.Errorf("during the transition the event went to issue %d, want its old issue %d", a2.IssueID, a.IssueID)
	}
	if n := alerts(); n != before {
		t.Errorf("%d alerts after the transition event, want %d (no new issue)", n, before)
	}
	fps, err := st.FindIssueFingerprints(ctx, a.IssueID)
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != 2 || fps[1].Hash != a2.Grouping.Hash || fps[1].Config != core.GroupingConfig2026 {
		t.Errorf("fingerprints of the old issue: %+v, want the 2026 hash as an alias", fps)
	}

	// After the transition only the 2026 hash counts: the alias recorded
	// above keeps "divide" in its issue, "checkout" (never seen during
	// the transition) starts a new issue, with its 2026 hash only.
	done := core.GroupingSettings{Config: core.GroupingConfig2026, Previous: core.GroupingConfig2023, Until: time.Now().Add(-time.Second)}
	if a3 := send(done, pyError("divide")); a3.IssueID != a.IssueID {
		t.Errorf("after the transition: issue %d, want %d through the alias", a3.IssueID, a.IssueID)
	}
	b3 := send(done, pyError("checkout"))
	if b3.IssueID == b.IssueID {
		t.Errorf("after the transition an unseen 2026 hash joined the old issue %d", b.IssueID)
	}
	fps, err = st.FindIssueFingerprints(ctx, b3.IssueID)
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != 1 || fps[0].Hash != b3.Grouping.Hash || fps[0].Config != core.GroupingConfig2026 {
		t.Errorf("fingerprints of the issue created after the transition: %+v, want only its 2026 hash", fps)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
