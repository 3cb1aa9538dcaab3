package rules

import "strings"

// glob is a compiled Sentry-style glob: '*' matches any run of characters
// ('/' excluded in path mode, where '**' crosses directories), '?' one
// character, '[abc]' / '[!abc]' a class, and '\' escapes the next character.
// Path globs also treat '\' in the input as '/' and match case-insensitively.
type glob struct {
	pat  string
	path bool
	fold bool
	// literal fast paths
	exact, prefix, suffix, contains string
	// must is the longest literal run of a general pattern: inputs
	// without it cannot match.
	must string
	kind globKind
}

type globKind uint8

const (
	globGeneral  globKind = iota
	globAny               // "*" or "**"
	globExact             // no metacharacter
	globPrefix            // "abc*"
	globSuffix            // "*abc"
	globContains          // "*abc*"
)

func compileGlob(pat string, path, fold bool) *glob {
	g := &glob{path: path, fold: fold}
	if fold {
		pat = strings.ToLower(pat)
	}
	if path {
		pat = strings.ReplaceAll(pat, `\`, "/")
	}
	if !path {
		for strings.Contains(pat, "**") {
			pat = strings.ReplaceAll(pat, "**", "*")
		}
	}
	g.pat = pat
	meta := func(s string) bool { return strings.ContainsAny(s, "*?[\\") }
	switch {
	case pat == "*" || pat == "**":
		g.kind = globAny
		if path && pat == "*" {
			g.kind = globGeneral
		}
	case !meta(pat):
		g.kind, g.exact = globExact, pat
	case !path && strings.HasSuffix(pat, "*") && !meta(pat[:len(pat)-1]):
		g.kind, g.prefix = globPrefix, pat[:len(pat)-1]
	case !path && strings.HasPrefix(pat, "*") && !meta(pat[1:]):
		g.kind, g.suffix = globSuffix, pat[1:]
	case !path && len(pat) > 2 && strings.HasPrefix(pat, "*") && strings.HasSuffix(pat, "*") && !meta(pat[1:len(pat)-1]):
		g.kind, g.contains = globContains, pat[1:len(pat)-1]
	case path && strings.HasSuffix(pat, "**") && !meta(pat[:len(pat)-2]):
		g.kind, g.prefix = globPrefix, pat[:len(pat)-2]
	case path && strings.HasPrefix(pat, "**") && !meta(pat[2:]):
		g.kind, g.suffix = globSuffix, pat[2:]
	case path && len(pat) > 4 && strings.HasPrefix(pat, "**") && strings.HasSuffix(pat, "**") && !meta(pat[2:len(pat)-2]):
		g.kind, g.contains = globContains, pat[2:len(pat)-2]
	}
	if g.kind == globGeneral {
		g.must = longestLiteral(pat)
	}
	return g
}

// longestLiteral returns the longest run of plain characters of a pattern
// (outside classes and escapes).
func longestLiteral(p string) string {
	best, cur := "", 0
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || strings.IndexByte("*?[]\\", p[i]) >= 0 {
			if cur > len(best) {
				best = p[start:i]
			}
			if i < len(p) && p[i] == '[' {
				if j := strings.IndexByte(p[i:], ']'); j > 0 {
					i += j
				}
			}
			start, cur = i+1, 0
			continue
		}
		cur++
	}
	return best
}

// match reports whether s matches the glob. s must already be lowercased
// when the glob folds case (see prepare).
func (g *glob) match(s string) bool {
	switch g.kind {
	case globAny:
		return true
	case globExact:
		return s == g.exact
	case globPrefix:
		return strings.HasPrefix(s, g.prefix)
	case globSuffix:
		return strings.HasSuffix(s, g.suffix)
	case globContains:
		return strings.Contains(s, g.contains)
	}
	if g.must != "" && !strings.Contains(s, g.must) {
		return false
	}
	return globMatch(g.pat, s, g.path)
}

// prepare turns a raw input into the form match expects.
func (g *glob) prepare(s string) string {
	if g.path && strings.IndexByte(s, '\\') >= 0 {
		s = strings.ReplaceAll(s, `\`, "/")
	}
	if g.fold {
		s = strings.ToLower(s)
	}
	return s
}

// globMatch is a backtracking matcher over bytes (patterns and inputs are
// treated as byte strings; multi-byte runes match themselves).
func globMatch(p, s string, path bool) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			double := len(p) > 1 && p[1] == '*'
			if double {
				p = p[2:]
				// "**/" also matches zero directories.
				if path && len(p) > 0 && p[0] == '/' && globMatch(p[1:], s, path) {
					return true
				}
			} else {
				p = p[1:]
			}
			cross := !path || double
			for i := 0; i <= len(s); i++ {
				if globMatch(p, s[i:], path) {
					return true
				}
				if i < len(s) && !cross && s[i] == '/' {
					return false
				}
			}
			return false
		case '?':
			if len(s) == 0 || (path && s[0] == '/') {
				return false
			}
			p, s = p[1:], s[1:]
		case '[':
			end := strings.IndexByte(p[1:], ']')
			if end < 0 || len(s) == 0 {
				if len(s) == 0 || s[0] != '[' {
					return false
				}
				p, s = p[1:], s[1:]
				continue
			}
			class := p[1 : end+1]
			neg := len(class) > 0 && (class[0] == '!' || class[0] == '^')
			if neg {
				class = class[1:]
			}
			if classMatch(class, s[0]) == neg {
				return false
			}
			p, s = p[end+2:], s[1:]
		case '\\':
			if len(p) > 1 {
				p = p[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return len(s) == 0
}

func classMatch(class string, c byte) bool {
	for i := 0; i < len(class); i++ {
		if i+2 < len(class) && class[i+1] == '-' {
			if class[i] <= c && c <= class[i+2] {
				return true
			}
			i += 2
			continue
		}
		if class[i] == c {
			return true
		}
	}
	return false
}
