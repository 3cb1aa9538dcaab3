package rules

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// SentryRules is a parsed list of Sentry fingerprint rules
// ("matcher:value ... -> fingerprint, parts [title=\"...\"]"). Immutable
// and safe for concurrent use.
type SentryRules struct {
	rules []*SentryRule
}

// SentryRule is one fingerprint rule line.
type SentryRule struct {
	// Text is the rule as written, Line its 1-based line in its source.
	Text string
	Line int
	// Fingerprint holds the parts after "->", variables unresolved.
	Fingerprint []string
	// Title is the title="..." attribute, variables unresolved.
	Title string

	matchers []*fpMatcher // all, in order
	evMs     []*fpMatcher // event-level
	excMs    []*fpMatcher // exception-level: must hold on one exception
	frameMs  []*fpMatcher // frame-level: must hold on one frame
	builtin  bool
}

// fpMatcher is a fingerprint-rule matcher. Frame matchers reuse the
// stack trace rule matcher; event-level ones compare one event field.
type fpMatcher struct {
	frame *frameMatcher // path, function, module, package, app
	key   string        // type, value, message, logger, level, sdk, release, family, tags.X
	neg   bool
	g     *glob
	fams  family
}

//go:embed fingerprints.txt
var builtinFingerprintText string

var builtinFingerprintRules = mustBuiltinFingerprints()

func mustBuiltinFingerprints() *SentryRules {
	rs, err := ParseSentryRules(builtinFingerprintText)
	if err != nil {
		panic(err)
	}
	for _, r := range rs.rules {
		r.builtin = true
	}
	return rs
}

// Rules returns the parsed rules in order.
func (rs *SentryRules) Rules() []*SentryRule {
	if rs == nil {
		return nil
	}
	return rs.rules
}

// ParseSentryRules parses fingerprint rules, one per line; '#' starts a
// comment. Errors name the line and column.
func ParseSentryRules(text string) (*SentryRules, error) {
	rs := &SentryRules{}
	for n, line := range strings.Split(text, "\n") {
		r, err := parseSentryRule(line)
		if err != nil {
			return nil, &RuleError{Line: n + 1, Column: err.col, Msg: err.msg}
		}
		if r != nil {
			r.Line = n + 1
			rs.rules = append(rs.rules, r)
		}
	}
	return rs, nil
}

type posError struct {
	col int
	msg string
}

// Error renders "column N: message".
func (e *posError) Error() string { return fmt.Sprintf("column %d: %s", e.col, e.msg) }

func asPosError(err error, col int) *posError {
	if pe, ok := err.(*posError); ok {
		return pe
	}
	return &posError{col, err.Error()}
}

func parseSentryRule(line string) (*SentryRule, *posError) {
	arrow := findArrow(line)
	if arrow < 0 {
		toks, err := lexRule(line)
		if err != nil {
			return nil, asPosError(err, 1)
		}
		if len(toks) == 0 {
			return nil, nil
		}
		return nil, &posError{len(line) + 1, "expected '->' followed by the fingerprint"}
	}
	toks, err := lexRule(line[:arrow])
	if err != nil {
		return nil, asPosError(err, 1)
	}
	if len(toks) == 0 {
		return nil, &posError{1, "a rule needs at least one matcher before '->'"}
	}
	r := &SentryRule{Text: strings.TrimSpace(stripComment(line))}
	for _, t := range toks {
		if t.kind != tokMatcher {
			return nil, &posError{t.col, fmt.Sprintf("expected a matcher (key:value), got %q", t.text)}
		}
		m, err := newFPMatcher(t)
		if err != nil {
			return nil, asPosError(err, t.col)
		}
		r.matchers = append(r.matchers, m)
		switch {
		case m.frame != nil:
			r.frameMs = append(r.frameMs, m)
		case m.key == "type" || m.key == "value":
			r.excMs = append(r.excMs, m)
		default:
			r.evMs = append(r.evMs, m)
		}
	}
	parts, title, perr := parseFingerprintParts(line, arrow+2)
	if perr != nil {
		return nil, perr
	}
	if len(parts) == 0 {
		return nil, &posError{arrow + 3, "empty fingerprint after '->'"}
	}
	r.Fingerprint, r.Title = parts, title
	return r, nil
}

// findArrow finds "->" outside double quotes.
func findArrow(line string) int {
	inQ := false
	for i := 0; i+1 < len(line); i++ {
		switch line[i] {
		case '\\':
			if inQ {
				i++
			}
		case '"':
			inQ = !inQ
		case '#':
			if !inQ {
				return -1
			}
		case '-':
			if !inQ && line[i+1] == '>' {
				return i
			}
		}
	}
	return -1
}

// parseFingerprintParts reads the fingerprint after "->": parts separated
// by commas and/or spaces, each quoted, a "{{ variable }}" or a bare word,
// then optional key="value" attributes (only title is known).
func parseFingerprintParts(line string, i int) ([]string, string, *posError) {
	var parts []string
	title := ""
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == ',' || c == '\r':
			i++
			continue
		case c == '#':
			return parts, title, nil
		case c == '"':
			s, n, err := unquote(line[i:])
			if err != nil {
				return nil, "", &posError{i + 1, err.Error()}
			}
			parts = append(parts, s)
			i += n
			continue
		case strings.HasPrefix(line[i:], "{{"):
			end := strings.Index(line[i:], "}}")
			if end < 0 {
				return nil, "", &posError{i + 1, "unterminated {{ variable }}"}
			}
			parts = append(parts, line[i:i+end+2])
			i += end + 2
			continue
		}
		j := i
		for j < len(line) && !strings.ContainsRune(" \t,#\"{", rune(line[j])) && line[j] != '=' {
			j++
		}
		if j < len(line) && line[j] == '=' {
			key := line[i:j]
			if j+1 >= len(line) || line[j+1] != '"' {
				return nil, "", &posError{j + 2, fmt.Sprintf("attribute %s needs a quoted value", key)}
			}
			s, n, err := unquote(line[j+1:])
			if err != nil {
				return nil, "", &posError{j + 2, err.Error()}
			}
			if key != "title" {
				return nil, "", &posError{i + 1, fmt.Sprintf("unknown attribute %q (only title is supported)", key)}
			}
			title = s
			i = j + 1 + n
			continue
		}
		if j == i {
			j++
		}
		parts = append(parts, line[i:j])
		i = j
	}
	return parts, title, nil
}

func newFPMatcher(t token) (*fpMatcher, error) {
	key := t.key
	switch key {
	case "path", "stack.abs_path", "function", "stack.function", "module", "stack.module",
		"package", "stack.package", "app", "stack.app":
		fm, err := newFrameMatcher(t)
		if err != nil {
			return nil, err
		}
		return &fpMatcher{frame: fm, key: fm.key}, nil
	case "error.type", "type":
		return &fpMatcher{key: "type", neg: t.neg, g: compileGlob(t.text, false, false)}, nil
	case "error.value", "value":
		return &fpMatcher{key: "value", neg: t.neg, g: compileGlob(t.text, false, true)}, nil
	case "message", "level":
		return &fpMatcher{key: key, neg: t.neg, g: compileGlob(t.text, false, true)}, nil
	case "logger", "sdk", "release":
		return &fpMatcher{key: key, neg: t.neg, g: compileGlob(t.text, false, false)}, nil
	case "family":
		f, ok := parseFamilies(t.text)
		if !ok {
			return nil, fmt.Errorf("bad family %q (want native, javascript, other or all)", t.text)
		}
		return &fpMatcher{key: key, neg: t.neg, fams: f}, nil
	}
	if tag, ok := strings.CutPrefix(key, "tags."); ok && tag != "" {
		return &fpMatcher{key: key, neg: t.neg, g: compileGlob(t.text, false, false)}, nil
	}
	return nil, fmt.Errorf("unknown matcher %q", key)
}

// Match returns the first rule matching ev, or nil.
func (rs *SentryRules) Match(ev *core.EventData) *SentryRule {
	if rs == nil {
		return nil
	}
	for _, r := range rs.rules {
		if r.matches(ev) {
			return r
		}
	}
	return nil
}

func (r *SentryRule) matches(ev *core.EventData) bool {
	for _, m := range r.evMs {
		if !m.matchEvent(ev) {
			return false
		}
	}
	if len(r.excMs) > 0 && !anyException(ev, r.excMs) {
		return false
	}
	if len(r.frameMs) > 0 && !anyFrame(ev, r.frameMs) {
		return false
	}
	return true
}

func (m *fpMatcher) matchEvent(ev *core.EventData) bool {
	ok := false
	switch m.key {
	case "message":
		if ev.LogEntry != nil {
			ok = m.matchFold(ev.LogEntry.Formatted) || m.matchFold(ev.LogEntry.Message)
		}
		for i := 0; !ok && i < len(ev.Exceptions); i++ {
			ok = m.matchFold(ev.Exceptions[i].Value)
		}
	case "level":
		ok = m.matchFold(ev.Level)
	case "logger":
		ok = ev.Logger != "" && m.g.match(ev.Logger)
	case "sdk":
		ok = ev.SDK.Name != "" && m.g.match(ev.SDK.Name)
	case "release":
		ok = ev.Release != "" && m.g.match(ev.Release)
	case "family":
		ok = m.fams&familyOf(ev.Platform) != 0
	default:
		tag := strings.TrimPrefix(m.key, "tags.")
		for _, t := range ev.Tags {
			if t.Key == tag && m.g.match(t.Value) {
				ok = true
				break
			}
		}
	}
	return ok != m.neg
}

func (m *fpMatcher) matchFold(s string) bool {
	return s != "" && m.g.match(strings.ToLower(s))
}

func anyException(ev *core.EventData, ms []*fpMatcher) bool {
	for i := range ev.Exceptions {
		e := &ev.Exceptions[i]
		all := true
		for _, m := range ms {
			var ok bool
			if m.key == "type" {
				ok = e.Type != "" && m.g.match(e.Type)
			} else {
				ok = m.matchFold(e.Value)
			}
			if ok == m.neg {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func anyFrame(ev *core.EventData, ms []*fpMatcher) bool {
	var fs frameState
	check := func(st *core.Stacktrace) bool {
		if st == nil {
			return false
		}
		for i := range st.Frames {
			initFrameState(&fs, &st.Frames[i], ev.Platform)
			all := true
			for _, m := range ms {
				if !m.frame.matchFrame(&fs) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}
	for i := range ev.Exceptions {
		if check(ev.Exceptions[i].Stacktrace) {
			return true
		}
	}
	if check(ev.Stacktrace) {
		return true
	}
	for i := range ev.Threads {
		if check(ev.Threads[i].Stacktrace) {
			return true
		}
	}
	return false
}
