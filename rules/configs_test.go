package rules

import (
	"testing"

	"github.com/periscope-hq/periscope/core"
)

// spawnedChild is a Python error raised in a process started by
// multiprocessing: its oldest frame is the "<string>" module CPython runs
// in the child, whose context line carries a descriptor and a pipe handle
// that change with every run.
func spawnedChild(fd, pipe string) *core.EventData {
	line := "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=" + fd + ", pipe_handle=" + pipe + ")"
	work := "    raise ValueError(job)"
	spawn := "    exitcode = _main(fd, parent_sentinel)"
	yes, no := true, false
	return &core.EventData{Platform: "python", Exceptions: []core.Exception{{
		Type: "ValueError", Value: "bad job",
		Stacktrace: &core.Stacktrace{Frames: []core.Frame{
			{Module: "__main__", Filename: "<string>", Function: "<module>", ContextLine: &line, InApp: &yes},
			{Module: "multiprocessing.spawn", Filename: "multiprocessing/spawn.py", Function: "spawn_main", ContextLine: &spawn, InApp: &no},
			{Module: "worker", Filename: "worker.py", Function: "run", ContextLine: &work, InApp: &yes},
		}},
	}}}
}

// TestMultiprocessingChild: under 2026 two runs of the same failing child
// group together (the context line is parameterized and the "<module>"
// frame that calls spawn_main is internal); under 2023 they do not, as in
// Sentry.
func TestMultiprocessingChild(t *testing.T) {
	a, b := spawnedChild("11", "21"), spawnedChild("12", "31")
	old := &Defaults{Config: ConfigNewstyle2023}
	if ga, gb := old.Grouping(a), old.Grouping(b); ga.Hash == gb.Hash {
		t.Errorf("2023: runs group together (%s), want apart as in Sentry", ga.Hash)
	}
	cur := &Defaults{Config: ConfigNewstyle2026}
	ga, gb := cur.Grouping(a), cur.Grouping(b)
	if ga.Hash != gb.Hash {
		t.Errorf("2026: runs group apart (%s, %s), want together", ga.Hash, gb.Hash)
	}
	if ga.Config != ConfigNewstyle2026 {
		t.Errorf("config %q, want %q", ga.Config, ConfigNewstyle2026)
	}
	// The "<module>" frame is taken out by the stack rule, not only by the
	// parameterized line: an unrelated context line stays apart.
	st := newStackState(a.Exceptions[0].Stacktrace, "python", &a.Exceptions[0], config2026.base, config2026)
	if f := st.frames[0]; f.category != "internals" || f.inApp {
		t.Errorf("2026: <module> frame category %q in_app %v, want internals, not in-app", f.category, f.inApp)
	}
	if got := st.frames[0].contextLine; got != "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=<int>, pipe_handle=<int>)" {
		t.Errorf("2026: context line %q", got)
	}
	st = newStackState(a.Exceptions[0].Stacktrace, "python", &a.Exceptions[0], config2023.base, config2023)
	if st.frames[0].contextLine != "" || st.frames[0].category != "" {
		t.Errorf("2023: context line %q category %q, want untouched", st.frames[0].contextLine, st.frames[0].category)
	}
}

// TestExceptionChildOrder: 2023 hashes stack then type; 2026 type then
// stack, so the same event hashes differently, and a synthetic type
// (stack only) hashes the same.
func TestExceptionChildOrder(t *testing.T) {
	ev := spawnedChild("1", "2")
	ev.Exceptions[0].Stacktrace.Frames = ev.Exceptions[0].Stacktrace.Frames[2:]
	old, cur := (&Defaults{}).Grouping(ev), (&Defaults{Config: ConfigNewstyle2026}).Grouping(ev)
	if old.Hash == cur.Hash {
		t.Errorf("hashes agree (%s); the child order should change them", old.Hash)
	}
	if want := hashValues([]string{"worker", "run", "raise ValueError(job)", "ValueError"}); old.Hash != want {
		t.Errorf("2023 hash %s, want %s", old.Hash, want)
	}
	if want := hashValues([]string{"ValueError", "worker", "run", "raise ValueError(job)"}); cur.Hash != want {
		t.Errorf("2026 hash %s, want %s", cur.Hash, want)
	}
	ev.Exceptions[0].Mechanism = &core.Mechanism{Synthetic: true}
	if a, b := (&Defaults{}).Grouping(ev), (&Defaults{Config: ConfigNewstyle2026}).Grouping(ev); a.Hash != b.Hash {
		t.Errorf("synthetic: %s and %s, want the same", a.Hash, b.Hash)
	}
}

func TestCheckConfig(t *testing.T) {
	for _, id := range Configs() {
		if err := CheckConfig(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if err := CheckConfig("newstyle:2019-01-01"); err == nil {
		t.Error("want an error for an unknown config")
	}
}

// TestEngineConfigs: one engine groups under either configuration with the
// same project rules, names the configuration in every decision, and takes
// its default from the configuration's default_config.
func TestEngineConfigs(t *testing.T) {
	ev := spawnedChild("1", "2")
	for _, def := range []string{"", ConfigNewstyle2023, ConfigNewstyle2026} {
		e, err := Load(Config{GroupingConfig: def, StackRules: "stack.function:run +app"})
		if err != nil {
			t.Fatal(err)
		}
		want := def
		if want == "" {
			want = ConfigNewstyle2023
		}
		if g := e.Group(ev); g.Config != want || e.DefaultConfig() != want {
			t.Errorf("default %q: Group config %q, DefaultConfig %q", def, g.Config, e.DefaultConfig())
		}
		for _, id := range Configs() {
			g := e.GroupWithConfig(ev, id)
			d := &Defaults{Config: id, Enhancements: e.Defaults().Enhancements}
			if g.Config != id || g.Hash != d.Grouping(ev).Hash {
				t.Errorf("default %q, GroupWithConfig %s: %s %s, want %s", def, id, g.Config, g.Hash, d.Grouping(ev).Hash)
			}
		}
	}
	e, err := Load(Config{SentryRules: "error.type:ValueError -> bad-values"})
	if err != nil {
		t.Fatal(err)
	}
	if g := e.GroupWithConfig(ev, ConfigNewstyle2026); g.Config != ConfigNewstyle2026 || g.DecidedBy != DecidedByRule {
		t.Errorf("rule decision under 2026: %+v", g)
	}
	if _, err := Load(Config{GroupingConfig: "newstyle:1999-01-01"}); err == nil {
		t.Error("want an error for an unknown default_config")
	}
}
