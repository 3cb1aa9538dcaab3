package rules

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// appendJSONString appends s as a JSON string. HTML characters are kept
// as they are (the output is data, not markup); invalid UTF-8 goes
// through encoding/json, which replaces it.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"

// appendJSON appends the tree as MarshalJSON renders it.
func (c *Component) appendJSON(b []byte) []byte { return c.appendJSONTree(b, false) }

// appendJSONPruned appends only the contributing part of the tree (the
// JSON of Pruned()).
func (c *Component) appendJSONPruned(b []byte) []byte { return c.appendJSONTree(b, true) }

func (c *Component) appendJSONTree(b []byte, pruned bool) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"contributes":`...)
	b = strconv.AppendBool(b, c.Contributes())
	if c.Hint != "" {
		b = append(b, `,"hint":`...)
		b = appendJSONString(b, c.Hint)
	}
	b = append(b, `,"values":[`...)
	n := 0
	for _, l := range c.Leaves {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, l)
		n++
	}
	for _, ch := range c.Children {
		if pruned && !ch.Contributes() {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = ch.appendJSONTree(b, pruned)
		n++
	}
	return append(b, "]}"...)
}

func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}
