package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

func mustEngine(tb testing.TB, yamlText string) *Engine {
	tb.Helper()
	cfg, err := ParseConfig([]byte(yamlText), "config.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	e, err := Load(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func dbEvent(typ, module string) *core.EventData {
	return &core.EventData{
		Platform: "python", Level: "error",
		Tags: []core.Tag{{Key: "db.host", Value: "db-7"}},
		Exceptions: []core.Exception{{Type: typ, Value: "could not connect", Stacktrace: &core.Stacktrace{Frames: []core.Frame{
			{Module: "app.views", Function: "index", InApp: boolp(true)},
			{Module: module, Function: "connect", InApp: boolp(true)},
		}}}},
	}
}

const dbRules = `
server:
  listen: ":8000"
grouping:
  rules:
    - name: database-down
      when: 'exception.type in ["OperationalError", "ConnectionRefusedError"] && any(frames, {.module startsWith "db."})'
      fingerprint: ['"database-down"', 'tags["db.host"] ?? "unknown"']
      title: '"Database unreachable on " + (tags["db.host"] ?? "?")'
`

// TestRuleMergesTwoExceptions: a YAML rule groups two different
// exceptions into one issue and changes nothing else.
func TestRuleMergesTwoExceptions(t *testing.T) {
	e := mustEngine(t, dbRules)
	a, b := dbEvent("OperationalError", "db.pool"), dbEvent("ConnectionRefusedError", "db.client")
	ga, gb := e.Group(a), e.Group(b)
	if ga.Hash != gb.Hash {
		t.Fatalf("hashes differ: %s %s", ga.Hash, gb.Hash)
	}
	if DefaultGrouping(a).Hash == DefaultGrouping(b).Hash {
		t.Fatal("test is void: the default grouping already merges them")
	}
	if ga.DecidedBy != DecidedByRule || ga.Name != "database-down" || ga.Title != "Database unreachable on db-7" {
		t.Errorf("grouping %+v", ga)
	}
	var comp struct {
		Rule        string   `json:"rule"`
		Fingerprint []string `json:"fingerprint"`
	}
	if err := json.Unmarshal(ga.Components, &comp); err != nil || !equalStrings(comp.Fingerprint, []string{"database-down", "db-7"}) {
		t.Errorf("components %s (%v)", ga.Components, err)
	}
	// Events the rule does not match are grouped exactly as before.
	for _, ev := range []*core.EventData{dbEvent("OperationalError", "cache.redis"), dbEvent("KeyError", "db.pool"), goEvent(), messageEvent()} {
		if got, want := e.Group(ev), DefaultGrouping(ev); got.Hash != want.Hash || got.DecidedBy != want.DecidedBy {
			t.Errorf("unmatched event changed: %+v, want %+v", got, want)
		}
	}
	// A missing tag falls back to the ?? default, in a different group.
	c := dbEvent("OperationalError", "db.pool")
	c.Tags = nil
	if gc := e.Group(c); gc.Hash == ga.Hash || gc.DecidedBy != DecidedByRule {
		t.Errorf("missing tag: %+v", gc)
	}
}

func TestRuleHashIsUnambiguous(t *testing.T) {
	if ruleHash([]string{"a", "bc"}) == ruleHash([]string{"ab", "c"}) || ruleHash([]string{"a", "b"}) == ruleHash([]string{"a/b"}) {
		t.Fatal("rule hashes must not depend on how values concatenate")
	}
}

func TestLoadErrorsPointIntoYAML(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		rule       string
		line, col  int
		msg        string
	}{
		{"unknown field", `grouping:
  rules:
    - name: typo
      when: 'exception.tpye == "X"'
      fingerprint: ['"x"']
`, "typo", 4, 24, "has no field tpye"},
		{"type error", `rules:
  - name: types
    when: "level == 3"
    fingerprint: ['"x"']
`, "types", 3, 18, "mismatched types"},
		{"not a bool", `rules:
  - name: notbool
    when: 'message'
    fingerprint: ['"x"']
`, "notbool", 3, 12, "when: "},
		{"bad regexp", `rules:
  - name: re
    when: 'match(message, "a(b")'
    fingerprint: ['"x"']
`, "re", 3, 27, "invalid regular expression"},
		{"fingerprint", `rules:
  - name: fp
    when: "true"
    fingerprint:
      - '"ok"'
      - 'tags[1]'
`, "fp", 6, 15, "fingerprint[1]"},
		{"block scalar", `rules:
  - name: block
    when: |
      level == "error" &&
        nosuch > 1
    fingerprint: ['"x"']
`, "block", 5, 9, "unknown name nosuch"},
		{"title", `rules:
  - name: t
    when: "true"
    fingerprint: ['"x"']
    title: '1 +'
`, "t", 5, 15, "title: "},
		{"missing fingerprint", `rules:
  - name: nofp
    when: "true"
`, "nofp", 2, 5, "fingerprint"},
		{"duplicate", `rules:
  - {name: d, when: "true", fingerprint: ['"x"']}
  - {name: d, when: "true", fingerprint: ['"y"']}
`, "d", 3, 5, "duplicate rule name"},
		{"sentry rule line", `sentry_rules: |
  error.type:Foo -> foo
  colour:red -> bar
`, "", 3, 3, `unknown matcher "colour"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yaml), "rules.yaml")
			if err == nil {
				_, err = Load(cfg)
			}
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("error %v, want a *RuleError", err)
			}
			if re.File != "rules.yaml" || re.Rule != tc.rule || re.Line != tc.line || re.Column != tc.col || !strings.Contains(re.Msg, tc.msg) {
				t.Errorf("got %s (rule %q line %d col %d), want rule %q at %d:%d containing %q", re, re.Rule, re.Line, re.Column, tc.rule, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestRuntimeErrorFallsThrough(t *testing.T) {
	e := mustEngine(t, `rules:
  - name: fragile
    when: 'frames[40].module == "x"'
    fingerprint: ['"never"']
`)
	ev := dbEvent("OperationalError", "db.pool")
	g := e.Group(ev)
	if want := DefaultGrouping(ev); g.Hash != want.Hash || g.DecidedBy != DecidedByDefault {
		t.Errorf("got %+v, want the default grouping", g)
	}
	if n := e.RuntimeErrors(); n != 1 {
		t.Errorf("RuntimeErrors() = %d, want 1", n)
	}
	ev.Fingerprint = []string{"sdk"}
	if g := e.Group(ev); g.DecidedBy != DecidedBySDK || e.RuntimeErrors() != 2 {
		t.Errorf("got %s after %d errors, want the SDK layer after 2", g.DecidedBy, e.RuntimeErrors())
	}
}

func TestEnvHelpers(t *testing.T) {
	ev := goEvent()
	ev.LogEntry = &core.LogEntry{Formatted: "Order 991 failed after 3 retries"}
	for _, tc := range []struct {
		when string
		want bool
	}{
		{`match(message, "failed after \\d+ retries")`, true},
		{`message matches "^Order [0-9]+"`, true},
		{`glob(exception.type, "*pq.*")`, true},
		{`iglob(upper(logger + "x"), "x")`, true},
		{`path_glob(frames[0].abs_path, "/usr/local/go/**")`, true},
		{`parameterize(message) == "Order <int> failed after <int> retries"`, true},
		{`basename(frames[0].abs_path) == "server.go"`, true},
		// Built-in stack trace rules apply: module-cache frames are not in-app.
		{`all(in_app_frames, {not (.abs_path contains "/go/pkg/mod/")}) && len(in_app_frames) == 10`, true},
		{`any(frames, {.in_app && .module startsWith "github.com/go-chi"})`, false},
		{`default[len(default)-1] == "*pq.Error"`, true},
		{`sdk.name == "sentry.go" && tags.tenant == "acme" && exception.handled`, true},
		{`fingerprint == nil && type == "*pq.Error" && platform == "go"`, true},
	} {
		e := mustEngine(t, "rules:\n  - name: t\n    when: '"+strings.ReplaceAll(tc.when, "'", "''")+"'\n    fingerprint: ['\"x\"']\n")
		g := e.Group(ev)
		if got := g.DecidedBy == DecidedByRule; got != tc.want || e.RuntimeErrors() != 0 {
			t.Errorf("%s: matched %v (errors %d), want %v", tc.when, got, e.RuntimeErrors(), tc.want)
		}
	}
	// A list value in a fingerprint contributes each element.
	e := mustEngine(t, "rules:\n  - name: d\n    when: 'true'\n    fingerprint: ['default', 'tags.tenant']\n")
	g := e.Group(ev)
	want := append(Primary(DefaultVariants(ev)).Values(), "acme")
	if g.Hash != ruleHash(want) {
		t.Errorf("list fingerprint hash %s, want %s", g.Hash, ruleHash(want))
	}
}

func TestSentryRulesFileAndStackRules(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/fp.txt", "error.type:KeyError -> key-errors\n")
	writeFile(t, dir+"/rules.yaml", "grouping:\n  sentry_rules_file: fp.txt\n  stack_rules: |\n    stack.module:app.views -group\n")
	e, err := LoadFile(dir + "/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if g := e.Group(dbEvent("KeyError", "db.pool")); g.DecidedBy != DecidedByRule || g.Hash != hashValues([]string{"key-errors"}) {
		t.Errorf("sentry rule from file: %+v", g)
	}
	// The project stack rule removes app.views from the default hash.
	ev := dbEvent("OperationalError", "db.pool")
	vals := Primary(e.Defaults().Variants(ev)).Values()
	if !equalStrings(vals, []string{"db.pool", "connect", "OperationalError"}) {
		t.Errorf("values %q", vals)
	}
	writeFile(t, dir+"/bad.yaml", "grouping:\n  sentry_rules_file: missing.txt\n")
	if _, err := LoadFile(dir + "/bad.yaml"); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing rules file: %v", err)
	}
}

func TestNilEngineAndEmptyConfig(t *testing.T) {
	var e *Engine
	if g := e.Group(goEvent()); g.Hash != DefaultGrouping(goEvent()).Hash {
		t.Error("nil engine must group with the defaults")
	}
	cfg, err := ParseConfig(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if e, err = Load(cfg); err != nil || e.Group(goEvent()).DecidedBy != DecidedByDefault {
		t.Errorf("empty config: %v", err)
	}
	if _, err := ParseConfig([]byte("grouping: [1, 2]"), "x.yaml"); err == nil {
		t.Error("a non-mapping grouping section must be rejected")
	}
}

func TestStackRulesErrorPosition(t *testing.T) {
	cfg, err := ParseConfig([]byte("grouping:\n  stack_rules: |\n    stack.module:ok -app\n    stack.module:x +fly\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(cfg)
	var re *RuleError
	if !errors.As(err, &re) || re.Line != 4 || re.Column != 20 || !strings.Contains(re.Msg, "unknown flag") {
		t.Errorf("error %v, want c.yaml:4:20 unknown flag", err)
	}
}
