package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/spool"
	"github.com/periscope-hq/periscope/rules"
)

// mustSpool opens a spool in dir that writes done marks only when the test
// calls Sync, and closes it in Cleanup.
func mustSpool(tb testing.TB, dir string, o spool.Options) *spool.Spool {
	tb.Helper()
	if o.RetireEvery == 0 {
		o.RetireEvery = -1
	}
	sp, err := spool.Open(dir, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sp.Close() })
	return sp
}

// snapshot copies the segment files of dir to a new directory: what kill -9
// would leave on disk at this moment (every acknowledged record is written
// and fsynced before Submit returns).
func snapshot(tb testing.TB, dir string) string {
	tb.Helper()
	out := tb.TempDir()
	m, _ := filepath.Glob(filepath.Join(dir, "*.spool"))
	for _, f := range m {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(f)), b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// TestSpooledEventsSurviveACrash: with a spool, Submit returns once the
// event is on disk; events the database never got (its writes blocked)
// are stored by Replay in the next process.
func TestSpooledEventsSurviveACrash(t *testing.T) {
	st, proj := mustStore(t)
	st.gate = make(chan struct{}) // the database takes nothing
	dir := t.TempDir()
	p := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{Workers: 1, Spool: mustSpool(t, dir, spool.Options{})})
	const n = 20
	for i := 1; i <= n; i++ {
		a := accepted(proj, i, msg(fmt.Sprintf("event %d", i)))
		a.Attachments = []*core.Attachment{{Filename: "log.txt", Size: 2, Data: []byte("hi")}}
		if err := p.Submit(a); err != nil {
			t.Fatal(err)
		}
	}
	crashed := snapshot(t, dir)
	defer close(st.gate)

	// The next process: the same database (it has none of the events), the
	// spool as the crash left it.
	next, proj2 := mustStore(t)
	if proj2.ID != proj.ID {
		t.Fatalf("project ids differ: %d, %d", proj2.ID, proj.ID)
	}
	sp := mustSpool(t, crashed, spool.Options{})
	p2 := newPipeline(t, next, rules.NewHolder(nil), pipeline.Options{Workers: 2, Spool: sp})
	got, err := p2.Replay(context.Background())
	if err != nil || got != n {
		t.Fatalf("Replay: %d, %v; want %d, nil", got, err, n)
	}
	// Replay returns once every replayed event is stored.
	for i := 1; i <= n; i++ {
		ev, err := next.FindEventByID(context.Background(), proj.ID, fmt.Sprintf("%032x", i))
		if err != nil {
			t.Fatalf("event %d not stored after Replay: %v", i, err)
		}
		if len(ev.Attachments) != 1 || ev.Attachments[0].Filename != "log.txt" {
			t.Errorf("event %d: attachments %+v, want log.txt", i, ev.Attachments)
		}
	}
	// Stored and synced: the spool gives the space back and a later
	// replay has nothing to do.
	if err := sp.Sync(); err != nil {
		t.Fatal(err)
	}
	if s := sp.Stats(); s.Pending != 0 {
		t.Errorf("spool stats %+v after the replayed events were stored, want nothing pending", s)
	}
	if s, ok := p2.Snapshot()["spool_pending"]; !ok || s != 0 {
		t.Errorf("pipeline stats: spool_pending %d (reported: %v), want 0", s, ok)
	}
}

// TestReplayOfStoredEventsCountsThemOnce: a crash after the commit and
// before the spool's marks replays events the database has: they are
// duplicates, and their issue's count does not change.
func TestReplayOfStoredEventsCountsThemOnce(t *testing.T) {
	st, proj := mustStore(t)
	dir := t.TempDir()
	sp := mustSpool(t, dir, spool.Options{})
	p := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{Workers: 1, Spool: sp})
	const n = 10
	for i := 1; i <= n; i++ {
		if err := p.Submit(accepted(proj, i, msg("same issue"))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "events stored", func() bool { return p.Snapshot()["stored"] == n })
	crashed := snapshot(t, dir) // no Sync yet: no marks
	issues, _, err := st.FindIssues(context.Background(), core.IssueFilter{ProjectID: proj.ID})
	if err != nil || len(issues) != 1 || issues[0].Count != n {
		t.Fatalf("before replay: %+v, %v; want one issue of %d", issues, err, n)
	}

	p2 := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{Workers: 2, Spool: mustSpool(t, crashed, spool.Options{})})
	got, err := p2.Replay(context.Background())
	if err != nil || got != n {
		t.Fatalf("Replay: %d, %v; want %d, nil", got, err, n)
	}
	if s := p2.Snapshot(); s["duplicates"] != n || s["stored"] != 0 {
		t.Errorf("replay stats %v, want %d duplicates, 0 stored", s, n)
	}
	issues, _, err = st.FindIssues(context.Background(), core.IssueFilter{ProjectID: proj.ID})
	if err != nil || len(issues) != 1 || issues[0].Count != n {
		t.Errorf("after replay: %+v, %v; want one issue of count %d", issues, err, n)
	}
}

// TestSpoolFullRefusesBeforeAccepting: a full spool answers ERATELIMITED
// (ingestion says 429 with Retry-After) and takes nothing.
func TestSpoolFullRefusesBeforeAccepting(t *testing.T) {
	st, proj := mustStore(t)
	st.gate = make(chan struct{})
	defer close(st.gate)
	sp := mustSpool(t, t.TempDir(), spool.Options{MaxBytes: 4096})
	p := newPipeline(t, st, rules.NewHolder(nil), pipeline.Options{Workers: 1, Spool: sp})
	var err error
	taken := 0
	for i := 1; i <= 100 && err == nil; i++ {
		if err = p.Submit(accepted(proj, i, msg(fmt.Sprintf("%0200d", i)))); err == nil {
			taken++
		}
	}
	if core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("submitting 100 events of 200+ bytes to a 4 KiB spool: %v, want ERATELIMITED", err)
	}
	if s := sp.Stats(); s.Pending != taken || s.Bytes > 4096 {
		t.Errorf("spool %+v after %d accepted, want %d pending within 4096 bytes", s, taken, taken)
	}
	if p.HeldBytes() > int64(taken*300) {
		t.Errorf("held %d bytes for %d accepted events: the refused ones were kept", p.HeldBytes(), taken)
	}
}

// TestSpoolClosedRefuses: after the spool is closed (the server stopping),
// Submit refuses with ERATELIMITED.
func TestSpoolClosedRefuses(t *testing.T) {
	st, proj := mustStore(t)
	sp := mustSpool(t, t.TempDir(), spool.Options{})
	p := pipeline.New(st, rules.NewHolder(nil), slog.New(slog.NewTextHandler(io.Discard, nil)), pipeline.Options{Spool: sp})
	p.Start()
	sp.Close()
	err := p.Submit(accepted(proj, 1, msg("late")))
	if core.ErrorCode(err) != core.ERATELIMITED {
		t.Fatalf("Submit with the spool closed: %v, want ERATELIMITED", err)
	}
	if p.HeldBytes() != 0 {
		t.Errorf("held %d bytes after a refusal", p.HeldBytes())
	}
	if errors.Is(err, spool.ErrFull) {
		t.Errorf("closed reported as full: %v", err)
	}
}
