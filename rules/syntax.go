package rules

import (
	"fmt"
	"strings"
)

// token is one lexical element of a Sentry rule line (stack trace rules
// and fingerprint rules share the lexer).
type token struct {
	kind tokKind
	text string // raw for words; unquoted value for matchers and attributes
	key  string // matcher key or attribute name
	neg  bool   // matcher negation
	col  int    // 1-based column in the line
}

type tokKind uint8

const (
	tokWord    tokKind = iota // an action, a fingerprint part...
	tokMatcher                // [!]key:value
	tokAttr                   // key=value or key="value"
	tokLBrack
	tokRBrack
	tokPipe
	tokArrow
)

// lexRule splits a rule line into tokens. A '#' outside quotes starts a
// comment. Values may be double-quoted with backslash escapes.
func lexRule(line string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case c == '#':
			return toks, nil
		case c == '[':
			toks = append(toks, token{kind: tokLBrack, text: "[", col: i + 1})
			i++
			continue
		case c == ']':
			toks = append(toks, token{kind: tokRBrack, text: "]", col: i + 1})
			i++
			continue
		case c == '|':
			toks = append(toks, token{kind: tokPipe, text: "|", col: i + 1})
			i++
			continue
		case c == '-' && i+1 < len(line) && line[i+1] == '>':
			toks = append(toks, token{kind: tokArrow, text: "->", col: i + 1})
			i += 2
			continue
		}
		start := i
		if c == '"' {
			s, n, err := unquote(line[i:])
			if err != nil {
				return nil, colErrf(i+1, "%v", err)
			}
			toks = append(toks, token{kind: tokWord, text: s, col: start + 1})
			i += n
			continue
		}
		// A bare word runs to whitespace or a structural character; a
		// "key:" or "key=" prefix may be followed by a quoted value.
		j, depth := i, 0
		for j < len(line) {
			d := line[j]
			if d == ' ' || d == '\t' || d == '#' || d == '|' {
				break
			}
			if d == '[' {
				depth++
			} else if d == ']' {
				if depth == 0 {
					break
				}
				depth--
			}
			if (d == ':' || d == '=') && j+1 < len(line) && line[j+1] == '"' && !strings.Contains(line[i:j], ":") {
				break
			}
			j++
		}
		word := line[i:j]
		if j < len(line) && (line[j] == ':' || line[j] == '=') && j+1 < len(line) && line[j+1] == '"' {
			sep := line[j]
			s, n, err := unquote(line[j+1:])
			if err != nil {
				return nil, colErrf(j+2, "%v", err)
			}
			toks = append(toks, keyed(word, sep, s, start))
			i = j + 1 + n
			continue
		}
		i = j
		if k := strings.IndexByte(word, ':'); k > 0 && isKey(strings.TrimPrefix(word[:k], "!")) {
			toks = append(toks, keyed(word[:k], ':', word[k+1:], start))
			continue
		}
		if k := strings.IndexByte(word, '='); k > 0 && isKey(word[:k]) {
			toks = append(toks, keyed(word[:k], '=', word[k+1:], start))
			continue
		}
		toks = append(toks, token{kind: tokWord, text: word, col: start + 1})
	}
	return toks, nil
}

func keyed(key string, sep byte, value string, start int) token {
	t := token{text: value, col: start + 1}
	if sep == '=' {
		t.kind, t.key = tokAttr, key
		return t
	}
	t.kind = tokMatcher
	if strings.HasPrefix(key, "!") {
		t.neg, key = true, key[1:]
	}
	t.key = key
	return t
}

func isKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// unquote reads a double-quoted string at the start of s and returns its
// value and the number of bytes consumed.
func unquote(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated escape")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated quoted string")
}
