package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
)

func boomEvent() *core.EventData {
	in := true
	return &core.EventData{
		Platform: "python",
		Tags:     []core.Tag{{Key: "db", Value: "db-1"}},
		Exceptions: []core.Exception{{Type: "Boom", Value: "it broke", Stacktrace: &core.Stacktrace{Frames: []core.Frame{
			{Module: "app.jobs", Function: "run", InApp: &in},
			{Module: "app.jobs", Function: "helper", InApp: &in},
		}}}},
	}
}

// TestGroupingFromEnvironment proves each grouping.* environment name
// reaches the rule engine, with no configuration file at all.
func TestGroupingFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesFile, []byte("rules:\n  - name: from-rules-file\n    when: 'exception.type == \"Boom\"'\n    fingerprint: ['\"rules-file\"']\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sentryFile := filepath.Join(dir, "fingerprints.txt")
	if err := os.WriteFile(sentryFile, []byte("error.type:Boom -> sentry-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plain := groupWith(t, nil)
	if plain.DecidedBy != "default" {
		t.Fatalf("without settings the default grouping decides, got %+v", plain)
	}
	for _, tc := range []struct {
		env   string
		check func(t *testing.T, g core.Grouping)
	}{
		{"PERISCOPE_GROUPING_RULES=[{name: env-rule, when: 'exception.type == \"Boom\"', fingerprint: ['\"env\"']}]",
			func(t *testing.T, g core.Grouping) {
				if g.DecidedBy != "rule" || g.Name != "env-rule" {
					t.Errorf("got %s, want rule env-rule", brief(g))
				}
			}},
		{"PERISCOPE_GROUPING_RULES_FILE=" + rulesFile,
			func(t *testing.T, g core.Grouping) {
				if g.DecidedBy != "rule" || g.Name != "from-rules-file" {
					t.Errorf("got %s, want rule from-rules-file", brief(g))
				}
			}},
		{"PERISCOPE_GROUPING_SENTRY_RULES=error.type:Boom -> sentry-inline",
			func(t *testing.T, g core.Grouping) {
				if g.Hash == plain.Hash || g.Hash != groupWith(t, []string{"PERISCOPE_GROUPING_SENTRY_RULES=error.type:Boom -> sentry-inline"}).Hash {
					t.Errorf("got %s, want a fingerprint-rule hash", brief(g))
				}
			}},
		{"PERISCOPE_GROUPING_SENTRY_RULES_FILE=" + sentryFile,
			func(t *testing.T, g core.Grouping) {
				inline := groupWith(t, []string{"PERISCOPE_GROUPING_SENTRY_RULES=error.type:Boom -> sentry-file"})
				if g.Hash == plain.Hash || g.Hash != inline.Hash {
					t.Errorf("got %s, want the hash of the same rule given inline (%s)", brief(g), inline.Hash)
				}
			}},
		{"PERISCOPE_GROUPING_DEFAULT_CONFIG=newstyle:2026-01-20",
			func(t *testing.T, g core.Grouping) {
				if g.Config != "newstyle:2026-01-20" || g.Hash == plain.Hash {
					t.Errorf("got %s (config %s), want a 2026 hash other than %s", brief(g), g.Config, plain.Hash)
				}
			}},
		{"PERISCOPE_GROUPING_STACK_RULES=stack.function:helper -group",
			func(t *testing.T, g core.Grouping) {
				if g.DecidedBy != "default" || g.Hash == plain.Hash {
					t.Errorf("got %s, want a default hash other than %s", brief(g), plain.Hash)
				}
			}},
	} {
		name, _, _ := cutEnv(tc.env)
		t.Run(name, func(t *testing.T) { tc.check(t, groupWith(t, []string{tc.env})) })
	}
}

func cutEnv(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// groupWith builds the grouper the binary builds from defaults and env
// (no configuration file) and groups boomEvent.
func groupWith(t *testing.T, env []string) core.Grouping {
	t.Helper()
	c, err := withChecks(config.Parse(nil, env))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newGrouper(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return h.Group(boomEvent())
}

func brief(g core.Grouping) string { return g.DecidedBy + " " + g.Name + " " + g.Hash }

// TestGroupingReloadKeepsEnvironment: a reload reads the configuration
// file again and applies the same environment over it.
func TestGroupingReloadKeepsEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	write := func(fp string) {
		t.Helper()
		y := "grouping:\n  rules:\n    - name: file-rule\n      when: 'exception.type == \"Boom\"'\n      fingerprint: ['\"" + fp + "\"']\n"
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("one")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := withChecks(config.Parse(data, []string{"PERISCOPE_GROUPING_STACK_RULES=stack.function:helper -group"}))
	if err != nil {
		t.Fatal(err)
	}
	c.Path = path
	h, err := newGrouper(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	first := h.Group(boomEvent())
	if first.Name != "file-rule" {
		t.Fatalf("got %s, want rule file-rule", brief(first))
	}
	write("two")
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	second := h.Group(boomEvent())
	if second.Name != "file-rule" || second.Hash == first.Hash {
		t.Errorf("after reload got %s, want file-rule with a new hash (was %s)", brief(second), first.Hash)
	}
	// The environment's stack rule still applies to the default grouping.
	ev := boomEvent()
	ev.Exceptions[0].Type = "Other"
	withEnv := h.Group(ev)
	c2, _ := config.Parse(nil, nil)
	h2, err := newGrouper(c2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain := h2.Group(ev); plain.Hash == withEnv.Hash {
		t.Errorf("after reload the environment's stack rule is lost: hash %s", withEnv.Hash)
	}
	// A file made invalid keeps the rules in use, with the reason.
	if err := os.WriteFile(path, []byte("grouping:\n  rules:\n    - name: bad\n      when: 'exception.typo =='\n      fingerprint: ['\"x\"']\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.Reload(); err == nil || h.LastError() == nil {
		t.Fatalf("reload of an invalid file: err %v, LastError %v", err, h.LastError())
	}
	if g := h.Group(boomEvent()); g.Hash != second.Hash {
		t.Errorf("after a failed reload got %s, want the previous rules (%s)", brief(g), second.Hash)
	}
}

// TestGroupingErrorsKeepFilePositions: a bad expression from the file is
// reported at its line and column; the same from the environment names
// the rule.
func TestGroupingErrorsKeepFilePositions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	y := "grouping:\n  rules:\n    - name: bad\n      when: 'exception.typo == 1'\n      fingerprint: ['\"x\"']\n"
	c, err := config.Parse([]byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Path = path
	_, err = newGrouper(c, nil)
	if err == nil || !strings.Contains(err.Error(), path+":4:") || !strings.Contains(err.Error(), `rule "bad"`) {
		t.Errorf("got %v, want an error at %s:4", err, path)
	}
	c, err = config.Parse(nil, []string{`PERISCOPE_GROUPING_RULES=[{name: envbad, when: "exception.typo == 1", fingerprint: ['"x"']}]`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = newGrouper(c, nil); err == nil || !strings.Contains(err.Error(), `rule "envbad"`) {
		t.Errorf("got %v, want an error naming rule envbad", err)
	}
}
