package rules

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFile(tb testing.TB, path, text string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
}

const ruleA = "rules:\n  - name: a\n    when: 'true'\n    fingerprint: ['\"a\"']\n"
const ruleB = "rules:\n  - name: b\n    when: 'true'\n    fingerprint: ['\"b\"']\n"

func TestHolderReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	writeFile(t, path, ruleA)
	h, err := NewFileHolder(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := h.Group(goEvent()); g.Name != "a" {
		t.Fatalf("decided by %q, want rule a", g.Name)
	}
	// A broken file keeps the old rules and reports why.
	writeFile(t, path, "rules:\n  - name: broken\n    when: 'nosuch'\n    fingerprint: ['\"x\"']\n")
	if err := h.Reload(); err == nil {
		t.Fatal("Reload of a broken file succeeded")
	}
	if g := h.Group(goEvent()); g.Name != "a" {
		t.Errorf("after a broken reload decided by %q, want the old rule a", g.Name)
	}
	if err := h.LastError(); err == nil || !contains(err.Error(), `rule "broken"`) {
		t.Errorf("LastError() = %v", err)
	}
	writeFile(t, path, ruleB)
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	if g := h.Group(goEvent()); g.Name != "b" || h.LastError() != nil || h.Reloads() != 1 {
		t.Errorf("after a good reload: rule %q, last error %v, reloads %d", g.Name, h.LastError(), h.Reloads())
	}
	// A broken file at start-up is an error.
	writeFile(t, path, "rules: [{name: x}]")
	if _, err := NewFileHolder(path, nil); err == nil {
		t.Error("NewFileHolder accepted a broken file")
	}
}

func TestHolderWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	writeFile(t, path, ruleA)
	h, err := NewFileHolder(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Watch(ctx, 10*time.Millisecond) }()
	defer func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Watch returned %v", err)
		}
	}()
	// Replace the file the way editors do (write a temp file, rename).
	waitFor(t, func() bool {
		tmp := filepath.Join(dir, "rules.yaml.tmp")
		writeFile(t, tmp, ruleB)
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		return pollN(20, func() bool { return h.Group(goEvent()).Name == "b" })
	})
	writeFile(t, path, "rules: [")
	if !pollUntil(func() bool { return h.LastError() != nil }) {
		t.Fatal("a broken file was not reported")
	}
	if h.Group(goEvent()).Name != "b" {
		t.Error("a broken file replaced the rules")
	}
}

// pollUntil waits (up to a generous bound) for cond; it asserts nothing
// about time.
func pollUntil(cond func() bool) bool { return pollN(500, cond) }

func pollN(n int, cond func() bool) bool {
	for i := 0; i < n; i++ {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func waitFor(t *testing.T, try func() bool) {
	t.Helper()
	for i := 0; i < 50; i++ { // the watcher may start after the first writes
		if try() {
			return
		}
	}
	t.Fatal("the watcher never reloaded the rules")
}

func contains(s, sub string) bool { return len(sub) == 0 || len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestRulesFileIsLoadedAndWatched(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "config.yaml")
	extra := filepath.Join(dir, "grouping-rules.yaml")
	writeFile(t, main, "grouping:\n  rules_file: grouping-rules.yaml\n  rules:\n    - {name: first, when: 'type == \"NoSuch\"', fingerprint: ['\"x\"']}\n")
	writeFile(t, extra, ruleA)
	h, err := NewFileHolder(main, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := h.Group(goEvent()); g.Name != "a" {
		t.Fatalf("rule from rules_file not used: %+v", g)
	}
	if files := h.Engine().Files(); len(files) != 2 || files[1] != extra {
		t.Errorf("Files() = %v", files)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Watch(ctx, 10*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool {
		writeFile(t, extra, ruleB)
		return pollN(20, func() bool { return h.Group(goEvent()).Name == "b" })
	})
	// An error in the rules file names that file.
	writeFile(t, extra, "rules:\n  - name: bad\n    when: 'nosuch'\n    fingerprint: ['\"x\"']\n")
	if !pollUntil(func() bool { return h.LastError() != nil }) {
		t.Fatal("broken rules file not reported")
	}
	var re *RuleError
	if !errors.As(h.LastError(), &re) || re.File != extra || re.Line != 3 {
		t.Errorf("error %v, want %s:3", h.LastError(), extra)
	}
}
