package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

func TestParseSentryRules(t *testing.T) {
	rs, err := ParseSentryRules(`# comment
error.type:DatabaseUnavailable -> system-down
stack.function:"*connect*" error.type:TimeoutError -> db-timeouts, {{ transaction }}
message:"*Rate limit exceeded*" -> rate-limit {{ default }}   # hybrid
tags.server_name:"canary-*" -> canary, {{ error.type }} title="Canary: {{ error.type }}"
!logger:noisy level:error -> "quoted, part" "esc\"aped"
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		fp    []string
		title string
		line  int
	}{
		{[]string{"system-down"}, "", 2},
		{[]string{"db-timeouts", "{{ transaction }}"}, "", 3},
		{[]string{"rate-limit", "{{ default }}"}, "", 4},
		{[]string{"canary", "{{ error.type }}"}, "Canary: {{ error.type }}", 5},
		{[]string{"quoted, part", `esc"aped`}, "", 6},
	}
	if len(rs.Rules()) != len(want) {
		t.Fatalf("%d rules, want %d", len(rs.Rules()), len(want))
	}
	for i, r := range rs.Rules() {
		if !equalStrings(r.Fingerprint, want[i].fp) || r.Title != want[i].title || r.Line != want[i].line {
			t.Errorf("rule %d: fingerprint %q title %q line %d, want %q %q %d", i, r.Fingerprint, r.Title, r.Line, want[i].fp, want[i].title, want[i].line)
		}
	}
}

func TestParseSentryRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		text      string
		line, col int
		msg       string
	}{
		{"error.type:Foo", 1, 15, "expected '->'"},
		{"\nerror.type:Foo ->", 2, 18, "empty fingerprint"},
		{"colour:red -> x", 1, 1, `unknown matcher "colour"`},
		{"type:X -> x size=\"big\"", 1, 13, `unknown attribute "size"`},
		{"family:mars -> x", 1, 1, "bad family"},
		{"type:X -> {{ default", 1, 11, "unterminated"},
	} {
		_, err := ParseSentryRules(tc.text)
		var re *RuleError
		if !errors.As(err, &re) {
			t.Errorf("%q: error %v, want a *RuleError", tc.text, err)
			continue
		}
		if re.Line != tc.line || re.Column != tc.col || !strings.Contains(re.Msg, tc.msg) {
			t.Errorf("%q: %d:%d %q, want %d:%d containing %q", tc.text, re.Line, re.Column, re.Msg, tc.line, tc.col, tc.msg)
		}
	}
}

func sampleEvent() *core.EventData {
	return &core.EventData{
		Platform: "python", Level: "error", Logger: "worker", Release: "r1",
		SDK:  core.SDKInfo{Name: "sentry.python"},
		Tags: []core.Tag{{Key: "server_name", Value: "canary-2"}},
		Exceptions: []core.Exception{
			{Type: "ConnectionError", Value: "Connection refused"},
			{Type: "TimeoutError", Value: "Operation Timed Out", Stacktrace: &core.Stacktrace{Frames: []core.Frame{
				{Module: "app.db", Function: "connect_pool", AbsPath: "/srv/app/db.py", Package: "app", InApp: boolp(true)},
				{Module: "app.http", Function: "fetch", Filename: "app/http.py", InApp: boolp(false)},
			}}},
		},
	}
}

func TestSentryRuleMatching(t *testing.T) {
	ev := sampleEvent()
	for _, tc := range []struct {
		rule string
		want bool
	}{
		{"error.type:ConnectionError -> x", true}, // any exception of the chain
		{"type:Timeout* -> x", true},
		{"type:timeouterror -> x", false}, // type is case-sensitive
		{"error.value:\"*timed out*\" -> x", true},
		{"message:\"*REFUSED*\" -> x", true},
		{"error.type:TimeoutError error.value:\"*refused*\" -> x", false}, // must be the same exception
		{"stack.function:connect* stack.module:app.db -> x", true},
		{"stack.function:connect* stack.module:app.http -> x", false}, // must be the same frame
		{"stack.abs_path:**/app/http.py -> x", true},                  // relative filename
		{"stack.package:app app:yes -> x", true},
		{"app:no stack.function:connect_pool -> x", false},
		{"logger:worker level:ERROR -> x", true},
		{"!logger:worker -> x", false},
		{"tags.server_name:canary-* -> x", true},
		{"tags.missing:* -> x", false},
		{"family:other sdk:sentry.python release:r1 -> x", true},
		{"family:javascript -> x", false},
	} {
		rs, err := ParseSentryRules(tc.rule)
		if err != nil {
			t.Fatalf("%q: %v", tc.rule, err)
		}
		if got := rs.Match(ev) != nil; got != tc.want {
			t.Errorf("%q matched %v, want %v", tc.rule, got, tc.want)
		}
	}
}

func TestSentryRuleGrouping(t *testing.T) {
	ev := sampleEvent()
	ev.Transaction = "/jobs/run"
	cfg := Config{SentryRules: `tags.server_name:"canary-*" -> canary, {{ error.type }} title="Canary: {{ error.type }}"`}
	e, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := e.Group(ev)
	if g.DecidedBy != DecidedByRule || g.Title != "Canary: TimeoutError" {
		t.Errorf("decided by %q title %q, want rule / Canary: TimeoutError", g.DecidedBy, g.Title)
	}
	if want := hashValues([]string{"canary", "TimeoutError"}); g.Hash != want {
		t.Errorf("hash %s, want md5(canary+TimeoutError) %s, as Sentry", g.Hash, want)
	}
}
