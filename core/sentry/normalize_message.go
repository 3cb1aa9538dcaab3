package sentry

import (
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// logEntry reads logentry (or its legacy aliases sentry.interfaces.Message
// and message) as a string or {message, formatted, params}, formats the
// template with its params when formatted is missing, and drops message
// when it equals formatted (§6.3).
func (n *normalizer) logEntry() *core.LogEntry {
	t, f := n.t, &n.f
	i := n.pick(f.logentry, f.legacyMessage)
	i = n.pick(i, f.message)
	if t.isNull(i) {
		return nil
	}
	le := &core.LogEntry{}
	params := -1
	switch t.kind(i) {
	case jString:
		le.Formatted = t.nodes[i].str
	case jObject:
		t.children(i, func(c int) {
			switch t.nodes[c].key {
			case "message":
				le.Message = n.text(c)
			case "formatted":
				le.Formatted = n.text(c)
			case "params":
				if k := t.kind(c); k == jArray || k == jObject {
					params = c
					le.Params = t.any(c)
				}
			}
		})
	case jNumber, jTrue:
		le.Formatted, _ = t.scalar(i)
	default:
		n.invalid("logentry")
		return nil
	}
	if le.Formatted == "" && le.Message != "" && params >= 0 {
		if out, ok := n.format(le.Message, params); ok {
			le.Formatted = out
		}
	}
	if le.Formatted == "" {
		le.Formatted, le.Message = le.Message, ""
	} else if le.Message == le.Formatted {
		le.Message = ""
	}
	if le.Formatted == "" && le.Message == "" {
		return nil
	}
	var cut1, cut2 bool
	le.Formatted, cut1 = truncate(le.Formatted, maxMessageChars, 200)
	le.Message, cut2 = truncate(le.Message, maxMessageChars, 200)
	if cut1 || cut2 {
		n.note("trimmed: logentry")
	}
	return le
}

// text reads a message field: a string, or any other non-false value as
// JSON text.
func (n *normalizer) text(i int) string {
	switch n.t.kind(i) {
	case jString:
		return n.t.nodes[i].str
	case jNull, jFalse:
		return ""
	case jNumber, jTrue:
		s, _ := n.t.scalar(i)
		return s
	}
	return n.t.raw(i)
}

// format fills a message template with params: printf/Python style (%s,
// %d, %r, %(name)s, %@, %%) when the template has a '%', else {} / {0}
// style, or {name} with an object of params. ok is false when a positional
// placeholder has no matching param.
func (n *normalizer) format(tmpl string, params int) (string, bool) {
	if strings.IndexByte(tmpl, '%') >= 0 {
		return n.formatPercent(tmpl, params)
	}
	if strings.IndexByte(tmpl, '{') >= 0 {
		return n.formatCurly(tmpl, params)
	}
	return tmpl, false
}

// param returns the k-th element of array node i, or -1.
func (n *normalizer) param(i, k int) int {
	t := n.t
	if t.kind(i) != jArray || k < 0 || k >= int(t.nodes[i].n) {
		return -1
	}
	c := i + 1
	for ; k > 0; k-- {
		c = int(t.nodes[c].next)
	}
	return c
}

func (n *normalizer) formatPercent(tmpl string, params int) (string, bool) {
	t := n.t
	var b strings.Builder
	next := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '%' || i+1 >= len(tmpl) {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		if tmpl[j] == '%' {
			b.WriteByte('%')
			i = j
			continue
		}
		arg := -1
		if tmpl[j] == '(' {
			end := strings.IndexByte(tmpl[j:], ')')
			if end < 0 || t.kind(params) != jObject {
				return tmpl, false
			}
			arg = t.get(params, tmpl[j+1:j+end])
			if arg < 0 {
				return tmpl, false
			}
			j += end + 1
		}
		for j < len(tmpl) && strings.IndexByte("#0- +.123456789l", tmpl[j]) >= 0 {
			j++
		}
		if j >= len(tmpl) || strings.IndexByte("sdifrxXoeEgGcua@", tmpl[j]) < 0 {
			b.WriteByte(c)
			continue
		}
		if arg < 0 {
			arg = n.param(params, next)
			next++
			if arg < 0 {
				return tmpl, false
			}
		}
		b.WriteString(n.paramText(arg, tmpl[j], true))
		i = j
	}
	return b.String(), true
}

func (n *normalizer) formatCurly(tmpl string, params int) (string, bool) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(tmpl[i:], '}')
		if end < 0 {
			b.WriteString(tmpl[i:])
			break
		}
		inner := tmpl[i+1 : i+end]
		var arg int
		if n.t.kind(params) == jObject {
			if arg = n.t.get(params, inner); arg < 0 {
				b.WriteByte(c)
				continue
			}
		} else {
			k := next
			if inner != "" {
				v, err := strconv.Atoi(inner)
				if err != nil {
					b.WriteByte(c)
					continue
				}
				k = v
			} else {
				next++
			}
			if arg = n.param(params, k); arg < 0 {
				return tmpl, false
			}
		}
		b.WriteString(n.paramText(arg, 's', false))
		i += end
	}
	return b.String(), true
}

// paramText renders one param for a conversion verb; python selects
// Python's spelling of booleans and null.
func (n *normalizer) paramText(i int, verb byte, python bool) string {
	t := n.t
	switch t.kind(i) {
	case jString:
		if verb == 'r' {
			return "'" + t.nodes[i].str + "'"
		}
		return t.nodes[i].str
	case jNumber:
		if verb == 'd' || verb == 'i' {
			if f, ok := t.float(i); ok {
				return strconv.FormatInt(int64(f), 10)
			}
		}
		return numberString(t.nodes[i].str)
	case jTrue, jFalse:
		s, _ := t.scalar(i)
		if !python {
			s = strings.ToLower(s)
		}
		return s
	case jNull:
		if python {
			return "None"
		}
		return "null"
	}
	return t.raw(i)
}
