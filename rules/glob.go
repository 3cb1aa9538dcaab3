package rules

import (
	"regexp"
	"strings"
)

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
	re   *regexp.Regexp // general patterns only
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
		g.re = globRegexp(pat, path)
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
	return g.re.MatchString(s)
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

// globRegexp translates a general pattern into an anchored RE2 program,
// whose matching time is linear in the input (a backtracking matcher is
// exponential in the number of stars on inputs that almost match).
// Semantics: '*' is any run ('/' excluded in path mode), '**' any run
// including '/', "**/" also zero directories, '?' one character ('/'
// excluded in path mode), "[abc]", "[a-z]", "[!abc]" or "[^abc]" a class,
// '\' escapes the next character, and an unclosed '[' is literal.
func globRegexp(p string, path bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				i++
				if path && i+1 < len(p) && p[i+1] == '/' {
					i++
					b.WriteString(`(?:.*/)?`)
				} else {
					b.WriteString(`.*`)
				}
			} else if path {
				b.WriteString(`[^/]*`)
			} else {
				b.WriteString(`.*`)
			}
		case '?':
			if path {
				b.WriteString(`[^/]`)
			} else {
				b.WriteString(`.`)
			}
		case '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(globClass(p[i+1 : i+1+end]))
			i += end + 1
		case '\\':
			if i+1 < len(p) {
				i++
			}
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		default:
			// Copy a whole UTF-8 sequence so a multi-byte character
			// stays one literal.
			j := i + 1
			for j < len(p) && p[j]&0xC0 == 0x80 {
				j++
			}
			b.WriteString(regexp.QuoteMeta(p[i:j]))
			i = j - 1
		}
	}
	b.WriteString(`)$`)
	return regexp.MustCompile(b.String())
}

// globClass turns the inside of a "[...]" into an RE2 class. An empty
// class matches nothing and an empty negated one any character; a reversed
// range matches nothing.
func globClass(class string) string {
	neg := len(class) > 0 && (class[0] == '!' || class[0] == '^')
	if neg {
		class = class[1:]
	}
	rs := []rune(class)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		if i+2 < len(rs) && rs[i+1] == '-' {
			if rs[i] <= rs[i+2] {
				b.WriteString(classRune(rs[i]) + "-" + classRune(rs[i+2]))
			}
			i += 2
			continue
		}
		b.WriteString(classRune(rs[i]))
	}
	switch {
	case b.Len() == 0 && neg:
		return `.`
	case b.Len() == 0:
		return `[^\x00-\x{10FFFF}]`
	case neg:
		return `[^` + b.String() + `]`
	}
	return `[` + b.String() + `]`
}

func classRune(r rune) string {
	if strings.ContainsRune(`\[]^-`, r) {
		return `\` + string(r)
	}
	return string(r)
}
