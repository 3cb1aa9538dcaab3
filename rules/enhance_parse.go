package rules

import (
	"strconv"
	"strings"
)

// ParseEnhancements parses stack trace rules (Sentry's "enhancements"
// syntax, one rule per line: matchers then actions, '#' comments). Errors
// name the line and column.
func ParseEnhancements(text string) (*Enhancements, error) {
	e := &Enhancements{}
	for n, line := range strings.Split(text, "\n") {
		r, err := parseEnhancementLine(line)
		if err != nil {
			re := &RuleError{Line: n + 1, Msg: err.Error()}
			if pe, ok := err.(*posError); ok {
				re.Column, re.Msg = pe.col, pe.msg
			}
			return nil, re
		}
		if r != nil {
			r.line = n + 1
			e.rules = append(e.rules, r)
		}
	}
	return e, nil
}

func parseEnhancementLine(line string) (*enhRule, error) {
	toks, err := lexRule(line)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, nil
	}
	r := &enhRule{text: strings.TrimSpace(line)}
	r.short = strings.Join(strings.Fields(stripComment(line)), " ")
	r.outHint = "marked out of app by stack trace rule (" + r.short + ")"
	r.groupHint = "marked out of group by stack trace rule (" + r.short + ")"
	i := 0
	// caller: "[ matchers ] |"
	if toks[0].kind == tokLBrack {
		ms, next, err := parseBracketed(toks, 0)
		if err != nil {
			return nil, err
		}
		if next >= len(toks) || toks[next].kind != tokPipe {
			return nil, colErrf(colOf(toks, next, line), "expected '|' after caller matchers")
		}
		r.caller = ms
		i = next + 1
	}
	for i < len(toks) && toks[i].kind == tokMatcher {
		m, err := newFrameMatcher(toks[i])
		if err != nil {
			return nil, err
		}
		if m.exception() {
			r.exc = append(r.exc, m)
		} else {
			r.frame = append(r.frame, m)
		}
		i++
	}
	// callee: "| [ matchers ]"
	if i < len(toks) && toks[i].kind == tokPipe {
		if i+1 >= len(toks) || toks[i+1].kind != tokLBrack {
			return nil, colErrf(colOf(toks, i+1, line), "expected '[' after '|'")
		}
		ms, next, err := parseBracketed(toks, i+1)
		if err != nil {
			return nil, err
		}
		r.callee = ms
		i = next
	}
	if len(r.frame) == 0 && len(r.exc) == 0 {
		return nil, colErrf(colOf(toks, i, line), "a rule needs at least one matcher")
	}
	for ; i < len(toks); i++ {
		a, err := parseEnhAction(toks[i])
		if err != nil {
			return nil, err
		}
		r.actions = append(r.actions, a)
	}
	if len(r.actions) == 0 {
		return nil, colErrf(len(line)+1, "a rule needs at least one action")
	}
	for _, a := range r.actions {
		if a.classifies() {
			r.classifies = true
		} else {
			r.modifies = true
		}
	}
	for _, ms := range [][]*frameMatcher{r.frame, r.caller, r.callee} {
		for _, m := range ms {
			if m.key == "category" && !m.neg && m.g.kind == globExact {
				r.needCats |= categoryBit(m.g.exact)
			}
		}
	}
	for _, m := range r.frame {
		if m.neg || (m.key != "module" && m.key != "function") || m.g == nil || m.g.pat == "" {
			continue
		}
		if c := m.g.pat[0]; strings.IndexByte("*?[\\", c) < 0 {
			r.idxKey, r.idxByte = m.key[0], c
			break
		}
	}
	for _, m := range r.frame {
		if m.key == "path" && !m.neg && m.g.kind == globContains && !strings.Contains(m.g.contains, "\n") {
			r.pathNeedle = m.g.contains
			break
		}
	}
	r.fams = famAll
	for _, m := range r.frame {
		if m.key == "family" && !m.neg {
			r.fams &= m.fams
		}
	}
	return r, nil
}

func colOf(toks []token, i int, line string) int {
	if i < len(toks) {
		return toks[i].col
	}
	return len(line) + 1
}

func parseBracketed(toks []token, i int) ([]*frameMatcher, int, error) {
	var ms []*frameMatcher
	i++ // '['
	for i < len(toks) && toks[i].kind == tokMatcher {
		m, err := newFrameMatcher(toks[i])
		if err != nil {
			return nil, 0, err
		}
		if m.exception() {
			return nil, 0, colErrf(toks[i].col, "%s cannot match a caller or callee frame", toks[i].key)
		}
		ms = append(ms, m)
		i++
	}
	if i >= len(toks) || toks[i].kind != tokRBrack {
		col := 0
		if i < len(toks) {
			col = toks[i].col
		}
		return nil, 0, colErrf(col, "expected ']'")
	}
	if len(ms) == 0 {
		return nil, 0, colErrf(toks[i].col, "empty brackets")
	}
	return ms, i + 1, nil
}

func parseEnhAction(t token) (enhAction, error) {
	switch t.kind {
	case tokAttr:
		switch t.key {
		case "category":
			return enhAction{kind: actCategory, str: t.text, cat: categoryBit(t.text)}, nil
		case "max-frames", "min-frames", "invert-stacktrace":
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 0 {
				return enhAction{}, colErrf(t.col, "%s needs a non-negative integer, got %q", t.key, t.text)
			}
			k := map[string]actKind{"max-frames": actMaxFrames, "min-frames": actMinFrames, "invert-stacktrace": actInvert}[t.key]
			return enhAction{kind: k, n: n}, nil
		}
		return enhAction{}, colErrf(t.col, "unknown variable action %q", t.key)
	case tokWord:
		s := t.text
		a := enhAction{}
		switch {
		case strings.HasPrefix(s, "^"):
			a.rng, s = rangeUp, s[1:]
		case strings.HasPrefix(s, "v"):
			a.rng, s = rangeDown, s[1:]
		}
		if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
			break
		}
		a.on = s[0] == '+'
		switch s[1:] {
		case "app":
			a.kind = actApp
		case "group":
			a.kind = actGroup
		default:
			return enhAction{}, colErrf(t.col, "unknown flag %q (want app or group)", s[1:])
		}
		return a, nil
	}
	return enhAction{}, colErrf(t.col, "expected an action (+app, -group, ^-group, max-frames=N...), got %q", t.text)
}
