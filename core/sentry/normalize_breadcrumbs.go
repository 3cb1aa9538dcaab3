package sentry

import (
	"strconv"

	"github.com/periscope-hq/periscope/core"
)

// Bounds of breadcrumbs and of their data (protocol §6.1 and §6.5).
const (
	// maxBreadcrumbs is how many breadcrumbs an event keeps (the newest),
	// the SDKs' own default maximum.
	maxBreadcrumbs = 100
	// maxBagDepth is how deep a databag nests, the bag itself being depth
	// 1; deeper containers are dropped.
	maxBagDepth = 5
	// maxBagString is the longest string a databag keeps, in characters.
	maxBagString = 16384
)

// rawBreadcrumbs normalizes member i, which the parser kept as raw text
// (rawMembers) so that events whose breadcrumbs nobody reads do not pay for
// them: the text is parsed into a tree of its own here.
func (n *normalizer) rawBreadcrumbs(i int) *core.Breadcrumbs {
	if i < 0 || n.t.kind(i) != jRaw {
		return n.breadcrumbs(i)
	}
	sub := getTree()
	defer putTree(sub)
	if err := sub.parse(n.t.nodes[i].str); err != nil {
		n.invalid("breadcrumbs") // cannot happen: the text was validated
		return nil
	}
	m := *n
	m.t = sub
	return m.breadcrumbs(0)
}

// breadcrumbs normalizes the breadcrumbs interface: a bare list or
// {"values": [...]}. Entries that are not objects are skipped and noted;
// a value of any other shape is noted and dropped. Nil when none remain.
func (n *normalizer) breadcrumbs(i int) *core.Breadcrumbs {
	t := n.t
	if t.isNull(i) {
		return nil
	}
	list := i
	if t.kind(i) == jObject {
		list = t.get(i, "values")
		if t.isNull(list) {
			return nil
		}
	}
	if t.kind(list) != jArray {
		n.invalid("breadcrumbs")
		return nil
	}
	var idx []int
	t.children(list, func(c int) { idx = append(idx, c) })
	skip := 0
	if len(idx) > maxBreadcrumbs {
		skip = len(idx) - maxBreadcrumbs
		n.note("trimmed: breadcrumbs")
	}
	out := make([]core.Breadcrumb, 0, len(idx)-skip)
	for k := skip; k < len(idx); k++ {
		c := idx[k]
		field := "breadcrumbs.values." + strconv.Itoa(k)
		if t.kind(c) != jObject {
			if !t.isNull(c) {
				n.invalid(field)
			}
			continue
		}
		out = append(out, n.breadcrumb(field, c))
	}
	if len(out) == 0 {
		return nil
	}
	return &core.Breadcrumbs{Values: out}
}

// breadcrumb normalizes one breadcrumb object: its timestamp like the
// event's (shifted by the same clock drift, but not clamped), its level to
// one of the five (info when missing or unknown), type "default" when
// missing, strings trimmed, data bounded as a databag.
func (n *normalizer) breadcrumb(field string, i int) core.Breadcrumb {
	t := n.t
	b := core.Breadcrumb{Type: "default", Level: core.LevelInfo}
	if ts := t.get(i, "timestamp"); !t.isNull(ts) {
		if v, ok := n.parseTime(ts); ok {
			b.Timestamp = v.Add(n.drift)
		} else {
			n.invalid(field + ".timestamp")
		}
	}
	if s := n.string(field+".type", t.get(i, "type")); s != "" {
		b.Type = n.trimmed(field+".type", s, 128)
	}
	b.Category = n.trimmed(field+".category", n.string(field+".category", t.get(i, "category")), 128)
	b.Message = n.trimmed(field+".message", n.string(field+".message", t.get(i, "message")), 8192)
	if l := t.get(i, "level"); !t.isNull(l) {
		if v := levelValue(t, l); v != "" {
			b.Level = v
		} else {
			n.invalid(field + ".level")
		}
	}
	if d := t.get(i, "data"); !t.isNull(d) {
		if t.kind(d) == jObject {
			b.Data = n.bag(field+".data", d)
		} else {
			n.invalid(field + ".data")
		}
	}
	return b
}

// levelValue reads a level name or a Python logging number; "" if unknown.
func levelValue(t *jtree, i int) string {
	if t.kind(i) == jNumber {
		if v, ok := t.int(i); ok {
			return parseLevel(strconv.Itoa(v))
		}
		return ""
	}
	if s, ok := t.str(i); ok {
		return parseLevel(s)
	}
	return ""
}

// bag converts object i into a map bounded as a databag: containers deeper
// than maxBagDepth are dropped and strings longer than maxBagString are
// trimmed; either is noted once under field.
func (n *normalizer) bag(field string, i int) map[string]any {
	cut := false
	m, _ := n.bagValue(i, 1, &cut).(map[string]any)
	if cut {
		n.note("trimmed: " + field)
	}
	return m
}

func (n *normalizer) bagValue(i, depth int, cut *bool) any {
	t := n.t
	switch t.kind(i) {
	case jString:
		s, c := truncate(t.nodes[i].str, maxBagString, 0)
		*cut = *cut || c
		return s
	case jArray, jObject:
		if depth > maxBagDepth {
			*cut = true
			return nil
		}
		if t.kind(i) == jArray {
			a := make([]any, 0, t.nodes[i].n)
			t.children(i, func(c int) {
				if t.kind(c) < jArray || depth < maxBagDepth {
					a = append(a, n.bagValue(c, depth+1, cut))
				} else {
					*cut = true
				}
			})
			return a
		}
		m := make(map[string]any, t.nodes[i].n)
		t.children(i, func(c int) {
			if t.kind(c) < jArray || depth < maxBagDepth {
				m[t.nodes[c].key] = n.bagValue(c, depth+1, cut)
			} else {
				*cut = true
			}
		})
		return m
	}
	return t.any(i)
}
