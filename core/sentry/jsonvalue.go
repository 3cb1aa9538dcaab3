package sentry

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Accessors over a parsed jtree. Node indexes are ints; -1 means "absent".

// kind returns the kind of node i, or jNull for -1.
func (t *jtree) kind(i int) jkind {
	if i < 0 {
		return jNull
	}
	return t.nodes[i].kind
}

// isNull reports whether node i is absent or JSON null.
func (t *jtree) isNull(i int) bool { return i < 0 || t.nodes[i].kind == jNull }

// children calls fn with the index of each child of container i, in order.
func (t *jtree) children(i int, fn func(c int)) {
	if i < 0 || (t.nodes[i].kind != jArray && t.nodes[i].kind != jObject) {
		return
	}
	c := i + 1
	for k := int32(0); k < t.nodes[i].n; k++ {
		fn(c)
		c = int(t.nodes[c].next)
	}
}

// get returns the last member of object i named key, or -1.
func (t *jtree) get(i int, key string) int {
	if i < 0 || t.nodes[i].kind != jObject {
		return -1
	}
	found := -1
	c := i + 1
	for k := int32(0); k < t.nodes[i].n; k++ {
		if t.nodes[c].key == key {
			found = c
		}
		c = int(t.nodes[c].next)
	}
	return found
}

// str returns node i as a string when it is a JSON string.
func (t *jtree) str(i int) (string, bool) {
	if i < 0 || t.nodes[i].kind != jString {
		return "", false
	}
	return t.nodes[i].str, true
}

// scalar returns node i coerced to a string the way Relay stringifies
// scalars (true → "True", numbers in decimal). ok is false for null,
// containers and absent nodes.
func (t *jtree) scalar(i int) (string, bool) {
	if i < 0 {
		return "", false
	}
	switch n := &t.nodes[i]; n.kind {
	case jString:
		return n.str, true
	case jNumber:
		return numberString(n.str), true
	case jTrue:
		return "True", true
	case jFalse:
		return "False", true
	}
	return "", false
}

// numberString renders a JSON number literal as Relay would print it:
// integral values without exponent or fraction.
func numberString(lit string) string {
	if strings.IndexAny(lit, ".eE") < 0 {
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// float returns node i as a float64 when it is a number.
func (t *jtree) float(i int) (float64, bool) {
	if i < 0 || t.nodes[i].kind != jNumber {
		return 0, false
	}
	f, err := strconv.ParseFloat(t.nodes[i].str, 64)
	return f, err == nil
}

// int returns node i as an int when it is an integral number (or a string
// holding one).
func (t *jtree) int(i int) (int, bool) {
	if i < 0 {
		return 0, false
	}
	n := &t.nodes[i]
	switch n.kind {
	case jNumber:
		if strings.IndexAny(n.str, ".eE") < 0 {
			if v, err := strconv.ParseInt(n.str, 10, 64); err == nil {
				return int(v), true
			}
		}
		if f, err := strconv.ParseFloat(n.str, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int(f), true
		}
	case jString:
		if v, err := strconv.ParseInt(strings.TrimSpace(n.str), 10, 64); err == nil {
			return int(v), true
		}
	}
	return 0, false
}

// bool returns node i as a bool when it is true or false.
func (t *jtree) bool(i int) (v, ok bool) {
	if i < 0 {
		return false, false
	}
	switch t.nodes[i].kind {
	case jTrue:
		return true, true
	case jFalse:
		return false, true
	}
	return false, false
}

// any converts node i into encoding/json's generic form (map[string]any,
// []any, string, float64, bool, nil).
func (t *jtree) any(i int) any {
	if i < 0 {
		return nil
	}
	switch n := &t.nodes[i]; n.kind {
	case jString:
		return n.str
	case jNumber:
		f, err := strconv.ParseFloat(n.str, 64)
		if err != nil {
			return json.Number(n.str) // out of float range: keep the literal
		}
		return f
	case jTrue:
		return true
	case jFalse:
		return false
	case jArray:
		a := make([]any, 0, n.n)
		t.children(i, func(c int) { a = append(a, t.any(c)) })
		return a
	case jObject:
		return t.objectMap(i)
	}
	return nil
}

// objectMap converts object node i into a map; nil when i is not an object.
func (t *jtree) objectMap(i int) map[string]any {
	if i < 0 || t.nodes[i].kind != jObject {
		return nil
	}
	m := make(map[string]any, t.nodes[i].n)
	t.children(i, func(c int) { m[t.nodes[c].key] = t.any(c) })
	return m
}

// raw re-serializes node i as compact JSON (used to stringify odd values).
func (t *jtree) raw(i int) string {
	b, _ := json.Marshal(t.any(i))
	return string(b)
}
