package rules

import (
	"fmt"
	"sort"

	"github.com/periscope-hq/periscope/core"
)

// excComponents holds one exception's component per variant; system is
// nil when the exception has no stack trace (Sentry then produces only
// the app variant for it).
type excComponents struct {
	app, system *Component
}

func (g *grouper) singleException(e *core.Exception) excComponents {
	var typ *Component
	if e.Type != "" {
		typ = newLeaf("type", e.Type)
	} else {
		typ = &Component{ID: "type"}
	}
	if e.Mechanism != nil && e.Mechanism.Synthetic {
		typ.disable("ignored because exception is synthetic")
	}
	nsErr := nsErrorComponent(e)

	var out excComponents
	if e.Stacktrace != nil {
		st := newStackState(e.Stacktrace, g.ev.Platform, e, g.enh, g.cfg)
		appSt, sysSt := stacktraceComponents(st, g.ev.Platform)
		out.app = g.exceptionNode(appSt, typ, nsErr, e)
		out.system = g.exceptionNode(sysSt, typ, nsErr, e)
	} else {
		out.app = g.exceptionNode(&Component{ID: "stacktrace"}, typ, nsErr, e)
	}
	return out
}

func (g *grouper) exceptionNode(st, typ, nsErr *Component, e *core.Exception) *Component {
	val := &Component{ID: "value"}
	if e.Value != "" {
		switch {
		case st.Contributes():
			// Not hashed: keep the raw value for display only and spare
			// the parameterization.
			val.Leaves = []string{e.Value}
			val.disable("ignored because stacktrace takes precedence")
		case nsErr.Contributes():
			val.Leaves = []string{e.Value}
			val.disable("ignored because ns-error info takes precedence")
		default:
			if norm := normalizeMessage(e.Value); norm != "" {
				val.Leaves = []string{norm}
				if norm != e.Value {
					val.Hint = "stripped event-specific values"
				}
			}
		}
	}
	children := make([]*Component, 0, 4)
	if g.cfg.legacyExceptionOrder {
		children = append(children, st, typ)
		if nsErr != nil {
			children = append(children, nsErr)
		}
		children = append(children, val)
	} else {
		children = append(children, typ, val)
		if nsErr != nil {
			children = append(children, nsErr)
		}
		children = append(children, st)
	}
	return &Component{ID: "exception", Children: children}
}

func nsErrorComponent(e *core.Exception) *Component {
	if e.Mechanism == nil || e.Mechanism.Meta == nil {
		return nil
	}
	ns, ok := e.Mechanism.Meta["ns_error"].(map[string]any)
	if !ok {
		return nil
	}
	var vals []string
	for _, k := range []string{"domain", "code"} {
		if v, ok := ns[k]; ok && v != nil {
			vals = append(vals, scalarString(v))
		}
	}
	return &Component{ID: "ns-error", Leaves: vals}
}

// scalarString renders a JSON scalar as Python's str() would.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%v", x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

// exceptions returns the components of the exception interface: a single
// exception's components, or "chained-exception" nodes over the
// exceptions left after exception-group filtering, in list order.
func (g *grouper) exceptions() excComponents {
	excs := g.filterExceptionGroups(g.ev.Exceptions)
	if len(excs) == 1 {
		return g.singleException(excs[0])
	}
	var out excComponents
	for _, e := range excs {
		c := g.singleException(e)
		if out.app == nil {
			out.app = &Component{ID: "chained-exception"}
		}
		out.app.Children = append(out.app.Children, c.app)
		if c.system != nil {
			if out.system == nil {
				out.system = &Component{ID: "chained-exception"}
			}
			out.system.Children = append(out.system.Children, c.system)
		}
	}
	return out
}

type excNode struct {
	exc      *core.Exception
	children []*core.Exception
}

// filterExceptionGroups keeps, for a well-formed exception group tree
// (mechanism exception_id / parent_id), only the distinct top-level
// non-group exceptions, plus the root when several distinct ones remain.
// Malformed trees and events without ids are left as they are.
func (g *grouper) filterExceptionGroups(all []core.Exception) []*core.Exception {
	excs := make([]*core.Exception, len(all))
	for i := range all {
		excs[i] = &all[i]
	}
	if len(excs) <= 1 {
		return excs
	}
	tree := map[int]*excNode{}
	node := func(id int) *excNode {
		n := tree[id]
		if n == nil {
			n = &excNode{}
			tree[id] = n
		}
		return n
	}
	for i := len(excs) - 1; i >= 0; i-- {
		e := excs[i]
		m := e.Mechanism
		if m == nil || m.ExceptionID == nil {
			return excs
		}
		n := node(*m.ExceptionID)
		if n.exc != nil || (m.ParentID != nil && *m.ParentID == *m.ExceptionID) {
			return excs // duplicate id or self-parenting: malformed
		}
		n.exc = e
		if m.ParentID != nil {
			p := node(*m.ParentID)
			p.children = append(p.children, e)
		}
	}
	root := tree[0]
	if root == nil || root.exc == nil {
		return excs
	}
	childrenOf := func(e *core.Exception) []*core.Exception {
		if n := tree[*e.Mechanism.ExceptionID]; n != nil {
			return n.children
		}
		return nil
	}
	var top []*core.Exception
	seen := map[*core.Exception]bool{}
	var walk func(e *core.Exception, depth int) bool
	walk = func(e *core.Exception, depth int) bool {
		if seen[e] || depth > len(excs) {
			return false // a cycle
		}
		seen[e] = true
		defer delete(seen, e)
		if !e.Mechanism.IsExceptionGroup {
			top = append(top, e)
			return true
		}
		for _, c := range childrenOf(e) {
			if !walk(c, depth+1) {
				return false
			}
		}
		return true
	}
	if !walk(root.exc, 0) {
		return excs
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].Type > top[j].Type })
	var distinct []*core.Exception
	lastHash := "\x00"
	for _, e := range top {
		h := g.singleException(e).app.Hash()
		if h != lastHash {
			distinct = append(distinct, e)
			lastHash = h
		}
	}
	if len(distinct) == 1 {
		// The exception followed by its first chain of children.
		var path []*core.Exception
		for e, guard := distinct[0], 0; e != nil && guard <= len(excs); guard++ {
			path = append(path, e)
			cs := childrenOf(e)
			if len(cs) == 0 {
				break
			}
			e = cs[0]
		}
		return path
	}
	return append(distinct, root.exc)
}
