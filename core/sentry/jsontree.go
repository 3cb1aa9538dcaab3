package sentry

import (
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// jsontree is a one-pass JSON parser that builds a flat, pre-order tree of
// nodes over one immutable source string. Unescaped strings are substrings of
// the source (no allocation); the node slice is pooled. It exists so that
// Normalize decodes a payload once, keeps object key order (tags), and can
// coerce any field leniently without reflection.

type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
	jRaw // a validated value kept as its source text, without child nodes
)

// rawMembers are top-level members Normalize never reads, or reads only
// on demand (breadcrumbs): they are validated but not built into nodes
// (their text stays in the source).
var rawMembers = map[string]bool{
	"breadcrumbs": true, "sentry.interfaces.Breadcrumbs": true, "modules": true, "debug_meta": true,
	"sentry.interfaces.DebugMeta": true, "spans": true, "measurements": true, "breakdowns": true, "_meta": true,
}

// maxDepth bounds nesting; deeper documents are rejected as invalid.
const maxDepth = 512

// jnode is one JSON value. Children of a container follow it directly in
// pre-order; next links siblings (0 means none: the root is never a sibling).
type jnode struct {
	key  string // member name when the parent is an object
	str  string // string value, or the literal of a number
	n    int32  // number of children
	next int32  // index of the next sibling, 0 for none
	kind jkind
}

type jtree struct {
	src   string
	pos   int
	depth int
	nodes []jnode
	buf   []byte // scratch for strings with escapes
}

var treePool = sync.Pool{New: func() any { return &jtree{nodes: make([]jnode, 0, 512)} }}

func getTree() *jtree { return treePool.Get().(*jtree) }

func putTree(t *jtree) {
	if cap(t.nodes) > 1<<16 {
		return // do not keep huge trees alive
	}
	t.src, t.nodes, t.buf = "", t.nodes[:0], t.buf[:0]
	treePool.Put(t)
}

// jsonError is a syntax error with its byte offset.
type jsonError struct {
	off int
	msg string
}

func (e *jsonError) Error() string {
	return "invalid JSON at offset " + strconv.Itoa(e.off) + ": " + e.msg
}

// parse parses src as exactly one JSON value (surrounding whitespace
// allowed). The root is nodes[0].
func (t *jtree) parse(src string) error {
	t.src, t.pos, t.depth, t.nodes = src, 0, 0, t.nodes[:0]
	if err := t.value(""); err != nil {
		return err
	}
	t.skipWS()
	if t.pos != len(t.src) {
		return t.fail("trailing data after the JSON value")
	}
	return nil
}

func (t *jtree) fail(msg string) error { return &jsonError{off: t.pos, msg: msg} }

func (t *jtree) skipWS() {
	for t.pos < len(t.src) {
		switch t.src[t.pos] {
		case ' ', '\t', '\n', '\r':
			t.pos++
		default:
			return
		}
	}
}

func (t *jtree) value(key string) error {
	t.skipWS()
	if t.pos >= len(t.src) {
		return t.fail("unexpected end of input")
	}
	idx := len(t.nodes)
	t.nodes = append(t.nodes, jnode{key: key})
	switch c := t.src[t.pos]; c {
	case '{':
		return t.object(idx)
	case '[':
		return t.array(idx)
	case '"':
		s, err := t.string()
		if err != nil {
			return err
		}
		t.nodes[idx].kind, t.nodes[idx].str = jString, s
	case 't':
		return t.literal(idx, "true", jTrue)
	case 'f':
		return t.literal(idx, "false", jFalse)
	case 'n':
		return t.literal(idx, "null", jNull)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return t.number(idx)
		}
		return t.fail("unexpected character " + strconv.QuoteRune(rune(c)))
	}
	return nil
}

func (t *jtree) literal(idx int, word string, k jkind) error {
	if len(t.src)-t.pos < len(word) || t.src[t.pos:t.pos+len(word)] != word {
		return t.fail("invalid literal")
	}
	t.pos += len(word)
	t.nodes[idx].kind = k
	return nil
}

func (t *jtree) object(idx int) error {
	t.nodes[idx].kind = jObject
	if t.depth++; t.depth > maxDepth {
		return t.fail("nesting too deep")
	}
	t.pos++ // {
	t.skipWS()
	if t.pos < len(t.src) && t.src[t.pos] == '}' {
		t.pos++
		t.depth--
		return nil
	}
	prev := -1
	var n int32
	for {
		t.skipWS()
		if t.pos >= len(t.src) || t.src[t.pos] != '"' {
			return t.fail("expected a member name")
		}
		key, err := t.string()
		if err != nil {
			return err
		}
		t.skipWS()
		if t.pos >= len(t.src) || t.src[t.pos] != ':' {
			return t.fail("expected ':' after a member name")
		}
		t.pos++
		child := len(t.nodes)
		if idx == 0 && rawMembers[key] {
			t.skipWS()
			start := t.pos
			if err := t.skip(); err != nil {
				return err
			}
			t.nodes = append(t.nodes, jnode{key: key, kind: jRaw, str: t.src[start:t.pos]})
		} else if err := t.value(key); err != nil {
			return err
		}
		if prev >= 0 {
			t.nodes[prev].next = int32(child)
		}
		prev = child
		n++
		t.skipWS()
		if t.pos >= len(t.src) {
			return t.fail("unexpected end of input in an object")
		}
		if c := t.src[t.pos]; c == ',' {
			t.pos++
		} else if c == '}' {
			t.pos++
			break
		} else {
			return t.fail("expected ',' or '}' in an object")
		}
	}
	t.nodes[idx].n = n
	t.depth--
	return nil
}

func (t *jtree) array(idx int) error {
	t.nodes[idx].kind = jArray
	if t.depth++; t.depth > maxDepth {
		return t.fail("nesting too deep")
	}
	t.pos++ // [
	t.skipWS()
	if t.pos < len(t.src) && t.src[t.pos] == ']' {
		t.pos++
		t.depth--
		return nil
	}
	prev := -1
	var n int32
	for {
		child := len(t.nodes)
		if err := t.value(""); err != nil {
			return err
		}
		if prev >= 0 {
			t.nodes[prev].next = int32(child)
		}
		prev = child
		n++
		t.skipWS()
		if t.pos >= len(t.src) {
			return t.fail("unexpected end of input in an array")
		}
		if c := t.src[t.pos]; c == ',' {
			t.pos++
		} else if c == ']' {
			t.pos++
			break
		} else {
			return t.fail("expected ',' or ']' in an array")
		}
	}
	t.nodes[idx].n = n
	t.depth--
	return nil
}

func (t *jtree) number(idx int) error {
	start := t.pos
	if err := t.scanNumber(); err != nil {
		return err
	}
	t.nodes[idx].kind, t.nodes[idx].str = jNumber, t.src[start:t.pos]
	return nil
}

// scanNumber moves past a JSON number at t.pos, checking its grammar.
func (t *jtree) scanNumber() error {
	s := t.src
	i := t.pos
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		t.pos = i
		return t.fail("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			t.pos = i
			return t.fail("invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			t.pos = i
			return t.fail("invalid number")
		}
	}
	t.pos = i
	return nil
}

// string parses a JSON string at t.pos (which holds '"').
func (t *jtree) string() (string, error) {
	t.pos++
	start := t.pos
	s := t.src
	for i := start; i < len(s); i++ {
		c := s[i]
		if !strSpecial[c] {
			continue
		}
		if c == '"' {
			t.pos = i + 1
			return s[start:i], nil
		}
		if c == '\\' {
			return t.escaped(start, i)
		}
		t.pos = i
		return "", t.fail("control character in a string")
	}
	t.pos = len(s)
	return "", t.fail("unterminated string")
}

func (t *jtree) escaped(start, i int) (string, error) {
	s := t.src
	b := append(t.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			t.pos = i + 1
			t.buf = b
			return string(b), nil
		case c < 0x20:
			t.pos = i
			return "", t.fail("control character in a string")
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				t.pos = i
				return "", t.fail("invalid \\u escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok2 := hex4(s, i+2); ok2 && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b = utf8.AppendRune(b, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			if r != 0 { // NUL is dropped: no text column of Postgres takes it
				b = utf8.AppendRune(b, r)
			}
			continue
		default:
			t.pos = i
			return "", t.fail("invalid escape")
		}
		i += 2
	}
	t.pos = len(s)
	return "", t.fail("unterminated string")
}

// strSpecial marks the bytes that end the fast path of a string: the
// quote, the backslash and control characters.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
