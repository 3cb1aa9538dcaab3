package rules

import (
	"regexp"
	"strings"
)

var (
	lambdaRe   = regexp.MustCompile(`<lambda_[0-9a-fA-F]+>`)
	msvcAnonRe = regexp.MustCompile(`\?A0x[0-9a-fA-F]{8}::`)
)

// trimFunctionName reduces a native (C, C++, Rust, ObjC, Swift) symbol to
// a stable function name: it drops the argument list and trailing
// qualifiers, a leading return type, and template arguments (rewritten to
// <T>). Objective-C selectors are kept whole. With lambdas set, MSVC lambda
// names <lambda_0123abcd> become <lambda>.
func trimFunctionName(fn string, lambdas bool) string {
	if fn == "" || strings.HasPrefix(fn, "-[") || strings.HasPrefix(fn, "+[") {
		return fn
	}
	s := strings.TrimSpace(fn)
	if strings.Contains(s, "?A0x") {
		// MSVC's mangled anonymous namespace.
		s = msvcAnonRe.ReplaceAllString(s, "`anonymous namespace'::")
	}
	if lambdas && strings.Contains(s, "<lambda_") {
		s = lambdaRe.ReplaceAllString(s, "<lambda>")
	}
	if !strings.ContainsAny(s, "(<> ") {
		return s
	}
	// Protect names that contain structural characters.
	const anonA, anonB = "(anonymous namespace)", "`anonymous namespace'"
	s = strings.ReplaceAll(s, anonA, "\x01")
	s = strings.ReplaceAll(s, anonB, "\x02")
	s = strings.ReplaceAll(s, "operator()", "\x03")
	s = strings.ReplaceAll(s, "operator<<", "\x04")
	s = strings.ReplaceAll(s, "operator<", "\x05")
	s = strings.ReplaceAll(s, "operator>>", "\x06")
	s = strings.ReplaceAll(s, "operator>", "\x07")
	s = strings.ReplaceAll(s, "operator->", "\x0e")

	// Drop trailing qualifiers and the argument list.
	for {
		t := strings.TrimSpace(s)
		for _, q := range []string{" const", " volatile", " &&", " &", "&&", "&", " noexcept", " override", " final"} {
			t = strings.TrimSuffix(t, q)
		}
		if strings.HasSuffix(t, ")") {
			if open := matchingOpen(t, len(t)-1, '(', ')'); open > 0 {
				t = t[:open]
				s = t
				continue
			}
		}
		s = t
		break
	}
	// Template arguments become <T> (a leading <...> is a Rust qualified
	// path, kept as is).
	s = replaceTemplates(s)
	// A return type is separated from the name by a top-level space.
	if i := lastTopLevelSpace(s); i >= 0 {
		s = s[i+1:]
	}
	r := strings.NewReplacer("\x01", anonA, "\x02", anonB, "\x03", "operator()", "\x04", "operator<<",
		"\x05", "operator<", "\x06", "operator>>", "\x07", "operator>", "\x0e", "operator->")
	return strings.TrimSpace(r.Replace(s))
}

// matchingOpen finds the opening bracket matching the closing one at end.
func matchingOpen(s string, end int, open, close byte) int {
	depth := 0
	for i := end; i >= 0; i-- {
		switch s[i] {
		case close:
			depth++
		case open:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func replaceTemplates(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<':
			if depth == 0 {
				if i == 0 {
					// Rust qualified path <A as B>::f becomes A::f.
					// Other leading groups (<lambda_...>) are kept.
					j := matchingClose(s, i)
					if j < 0 {
						b.WriteString(s[i:])
						return b.String()
					}
					inner := s[1:j]
					if k := strings.Index(inner, " as "); k >= 0 && strings.HasPrefix(s[j+1:], "::") {
						b.WriteString(replaceTemplates(inner[:k]))
					} else {
						b.WriteString(s[i : j+1])
					}
					i = j
					continue
				}
				b.WriteString("<T>")
			}
			depth++
		case c == '>' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func matchingClose(s string, start int) int {
	depth := 0
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '<':
			depth++
		case '>':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func lastTopLevelSpace(s string) int {
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case '>', ')', ']':
			depth++
		case '<', '(', '[':
			depth--
		case ' ':
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
