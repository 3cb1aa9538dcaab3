package sentry

import "strconv"

// Validation without node building, for the top-level members Normalize
// never reads (rawMembers).

// skip moves past one JSON value, validating it, without building nodes.
func (t *jtree) skip() error {
	t.skipWS()
	if t.pos >= len(t.src) {
		return t.fail("unexpected end of input")
	}
	switch c := t.src[t.pos]; c {
	case '{', '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		if t.depth++; t.depth > maxDepth {
			return t.fail("nesting too deep")
		}
		t.pos++
		t.skipWS()
		if t.pos < len(t.src) && t.src[t.pos] == end {
			t.pos++
			t.depth--
			return nil
		}
		for {
			if c == '{' {
				t.skipWS()
				if t.pos >= len(t.src) || t.src[t.pos] != '"' {
					return t.fail("expected a member name")
				}
				if err := t.skipString(); err != nil {
					return err
				}
				t.skipWS()
				if t.pos >= len(t.src) || t.src[t.pos] != ':' {
					return t.fail("expected ':' after a member name")
				}
				t.pos++
			}
			if err := t.skip(); err != nil {
				return err
			}
			t.skipWS()
			if t.pos >= len(t.src) {
				return t.fail("unexpected end of input in a container")
			}
			if d := t.src[t.pos]; d == ',' {
				t.pos++
			} else if d == end {
				t.pos++
				t.depth--
				return nil
			} else {
				return t.fail("expected ',' or a closing bracket")
			}
		}
	case '"':
		return t.skipString()
	case 't':
		return t.skipLiteral("true")
	case 'f':
		return t.skipLiteral("false")
	case 'n':
		return t.skipLiteral("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return t.scanNumber()
		}
		return t.fail("unexpected character " + strconv.QuoteRune(rune(c)))
	}
}

func (t *jtree) skipLiteral(word string) error {
	if len(t.src)-t.pos < len(word) || t.src[t.pos:t.pos+len(word)] != word {
		return t.fail("invalid literal")
	}
	t.pos += len(word)
	return nil
}

// skipString moves past a JSON string at t.pos, checking its escapes.
func (t *jtree) skipString() error {
	s := t.src
	for i := t.pos + 1; i < len(s); i++ {
		c := s[i]
		if !strSpecial[c] {
			continue
		}
		switch c {
		case '"':
			t.pos = i + 1
			return nil
		case '\\':
			if i+1 >= len(s) {
				break
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
				continue
			case 'u':
				if _, ok := hex4(s, i+2); ok {
					i += 5
					continue
				}
			}
			t.pos = i
			return t.fail("invalid escape")
		default:
			t.pos = i
			return t.fail("control character in a string")
		}
	}
	t.pos = len(s)
	return t.fail("unterminated string")
}
