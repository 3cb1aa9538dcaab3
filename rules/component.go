package rules

import (
	"crypto/md5"
	"encoding/hex"
)

// Component is one node of a grouping component tree: an id ("exception",
// "frame", "function"...), whether it contributes to the hash, an optional
// hint saying why (or why not), and either leaf values or child components.
//
// A component contributes when it was not disabled and it has a leaf value
// or a contributing child. The tree is built once per event and not shared
// between goroutines while it is being built.
type Component struct {
	ID       string
	Hint     string
	Leaves   []string
	Children []*Component
	// Disabled marks the node as explicitly non-contributing.
	Disabled bool

	leaf [1]string // storage for single-value leaves
	// memo caches Contributes: 0 unknown, 1 yes, 2 no. Trees are built
	// bottom-up and a node is only disabled before its parent asks, so
	// the cache never goes stale.
	memo uint8
}

// compAlloc hands out components from slabs, so that a stack of N frames
// costs a few allocations instead of several per frame.
type compAlloc struct {
	comps []Component
	ptrs  []*Component
}

func newCompAlloc(n int) *compAlloc {
	return &compAlloc{comps: make([]Component, 0, n*5+4), ptrs: make([]*Component, 0, n*6+4)}
}

func (a *compAlloc) get() *Component {
	if len(a.comps) == cap(a.comps) {
		a.comps = make([]Component, 0, max(16, cap(a.comps)))
	}
	a.comps = a.comps[:len(a.comps)+1]
	return &a.comps[len(a.comps)-1]
}

// leaf returns a leaf component with one value.
func (a *compAlloc) leaf(id, v string) *Component {
	c := a.get()
	c.ID = id
	c.leaf[0] = v
	c.Leaves = c.leaf[:]
	return c
}

// slice returns an empty slice of capacity n for child pointers.
func (a *compAlloc) slice(n int) []*Component {
	if cap(a.ptrs)-len(a.ptrs) < n {
		a.ptrs = make([]*Component, 0, max(64, n))
	}
	start := len(a.ptrs)
	a.ptrs = a.ptrs[:start+n]
	return a.ptrs[start : start : start+n]
}

func newLeaf(id string, values ...string) *Component {
	return &Component{ID: id, Leaves: values}
}

func newNode(id string, children ...*Component) *Component {
	return &Component{ID: id, Children: children}
}

// Contributes reports whether c adds anything to the hash.
func (c *Component) Contributes() bool {
	if c == nil || c.Disabled {
		return false
	}
	switch c.memo {
	case 1:
		return true
	case 2:
		return false
	}
	yes := len(c.Leaves) > 0
	for _, ch := range c.Children {
		if yes {
			break
		}
		yes = ch.Contributes()
	}
	c.memo = 2
	if yes {
		c.memo = 1
	}
	return yes
}

// disable marks c non-contributing with hint, keeping the first reason
// given when it was already disabled.
func (c *Component) disable(hint string) {
	if c == nil {
		return
	}
	if !c.Disabled || c.Hint == "" {
		c.Hint = hint
	}
	c.Disabled = true
}

// Values returns the contributing leaf values of c, depth first: the exact
// strings whose concatenation is hashed.
func (c *Component) Values() []string {
	var out []string
	c.walkValues(func(s string) { out = append(out, s) })
	return out
}

func (c *Component) walkValues(fn func(string)) {
	if c == nil || c.Disabled {
		return
	}
	for _, l := range c.Leaves {
		fn(l)
	}
	for _, ch := range c.Children {
		if ch.Contributes() {
			ch.walkValues(fn)
		}
	}
}

// find returns the first descendant (or c itself) with the given id for
// which pred holds.
func (c *Component) any(id string, pred func(*Component) bool) bool {
	if c == nil {
		return false
	}
	if c.ID == id && pred(c) {
		return true
	}
	for _, ch := range c.Children {
		if ch.any(id, pred) {
			return true
		}
	}
	return false
}

// Hash returns the MD5 (lowercase hex) of the contributing leaf values
// concatenated without separator, or "" when c does not contribute.
func (c *Component) Hash() string {
	if !c.Contributes() {
		return ""
	}
	buf := make([]byte, 0, 512)
	c.walkValues(func(s string) { buf = append(buf, s...) })
	sum := md5.Sum(buf)
	return hex.EncodeToString(sum[:])
}

// hashValues returns md5(concat(values)) as lowercase hex.
func hashValues(values []string) string {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	buf := make([]byte, 0, n)
	for _, v := range values {
		buf = append(buf, v...)
	}
	sum := md5.Sum(buf)
	return hex.EncodeToString(sum[:])
}

// MarshalJSON renders the tree as {"id", "contributes", "hint", "values"},
// where values holds leaf strings and child objects, as Sentry shows it.
func (c *Component) MarshalJSON() ([]byte, error) {
	return c.appendJSON(nil), nil
}

// Pruned returns a copy of c holding only its contributing nodes: the
// answer to "why grouped?" without the noise of ignored frames.
func (c *Component) Pruned() *Component {
	if !c.Contributes() {
		return nil
	}
	p := &Component{ID: c.ID, Hint: c.Hint, Leaves: c.Leaves}
	for _, ch := range c.Children {
		if q := ch.Pruned(); q != nil {
			p.Children = append(p.Children, q)
		}
	}
	return p
}
