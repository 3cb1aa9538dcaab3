package search

import (
	"strings"
)

// token is one space-separated piece of a query: [!]key:value,
// [!]key:[v1,v2], [!]"phrase" or [!]word.
type token struct {
	raw    string // as typed
	not    bool
	hasKey bool
	key    string
	value  string
	list   bool     // key:[...]
	values []string // the list's values
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// tokenize splits q into tokens; an unterminated quote or list is an
// *Error.
func tokenize(q string) ([]token, error) {
	var out []token
	i := 0
	for {
		for i < len(q) && isSpace(q[i]) {
			i++
		}
		if i >= len(q) {
			return out, nil
		}
		start := i
		t := token{}
		if q[i] == '!' {
			t.not = true
			i++
		}
		if i < len(q) && q[i] == '"' {
			v, n, ok := quoted(q[i:])
			if !ok {
				return nil, &Error{Token: q[start:], Message: "unterminated quote"}
			}
			i += n
			t.value = v
		} else {
			// A key runs to the first ':' before any space or quote;
			// tags[...] may hold ':' inside its brackets.
			j := i
			if strings.HasPrefix(q[i:], "tags[") {
				if k := strings.IndexByte(q[i:], ']'); k > 0 && i+k+1 < len(q) && q[i+k+1] == ':' {
					j = i + k + 1
				}
			}
			for j < len(q) && !isSpace(q[j]) && q[j] != ':' && q[j] != '"' {
				j++
			}
			if j < len(q) && q[j] == ':' && j > i {
				t.hasKey, t.key = true, q[i:j]
				i = j + 1
				switch {
				case i < len(q) && q[i] == '"':
					v, n, ok := quoted(q[i:])
					if !ok {
						return nil, &Error{Token: q[start:], Message: "unterminated quote"}
					}
					i += n
					t.value = v
				case i < len(q) && q[i] == '[':
					vals, n, ok := list(q[i:])
					if !ok {
						return nil, &Error{Token: q[start:], Message: "unterminated [ list ]"}
					}
					if len(vals) > MaxValues {
						return nil, &Error{Token: q[start : i+n], Message: "too many values in the list"}
					}
					i += n
					t.list, t.values = true, vals
				default:
					j := i
					for j < len(q) && !isSpace(q[j]) {
						j++
					}
					t.value, i = q[i:j], j
				}
			} else {
				for j < len(q) && !isSpace(q[j]) {
					j++
				}
				t.value, i = q[i:j], j
			}
		}
		if i < len(q) && !isSpace(q[i]) {
			j := i
			for j < len(q) && !isSpace(q[j]) {
				j++
			}
			return nil, &Error{Token: q[start:j], Message: "a quote or list must end the token"}
		}
		t.raw = q[start:i]
		out = append(out, t)
	}
}

// quoted reads a "..." string at the start of s with \" and \\ escapes,
// returning its value and length.
func quoted(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i++
			} else {
				b.WriteByte(c)
			}
		case '"':
			return b.String(), i + 1, true
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// list reads [a, "b c", d] at the start of s.
func list(s string) ([]string, int, bool) {
	var vals []string
	i := 1
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return nil, 0, false
		}
		var v string
		if s[i] == '"' {
			q, n, ok := quoted(s[i:])
			if !ok {
				return nil, 0, false
			}
			v, i = q, i+n
			for i < len(s) && isSpace(s[i]) {
				i++
			}
		} else {
			j := i
			for j < len(s) && s[j] != ',' && s[j] != ']' {
				j++
			}
			v, i = strings.TrimSpace(s[i:j]), j
		}
		if i >= len(s) {
			return nil, 0, false
		}
		vals = append(vals, v)
		switch s[i] {
		case ',':
			i++
		case ']':
			return vals, i + 1, true
		default:
			return nil, 0, false
		}
	}
}
