package rules

import (
	"path"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// grouper computes the component trees of one event.
type grouper struct {
	ev  *core.EventData
	enh *Enhancements
	cfg *groupingConfig
}

// strategyResult is what one strategy produced, per variant (nil when the
// strategy does not produce that variant).
type strategyResult struct {
	name        string // exception, threads, stacktrace, template, csp, ..., message
	app, system *Component
	def         *Component
	stackBased  bool // apply "non-stacktrace variants" pruning
}

func (r *strategyResult) each(fn func(c *Component)) {
	for _, c := range []*Component{r.app, r.system, r.def} {
		if c != nil {
			fn(c)
		}
	}
}

func (r *strategyResult) contributes() bool {
	found := false
	r.each(func(c *Component) { found = found || c.Contributes() })
	return found
}

// strategies runs every strategy that applies to the event, highest
// precedence first.
func (g *grouper) strategies() []strategyResult {
	ev := g.ev
	var out []strategyResult
	if len(ev.Exceptions) > 0 {
		c := g.exceptions()
		out = append(out, strategyResult{name: "exception", app: c.app, system: c.system, stackBased: true})
	}
	if len(ev.Threads) > 0 {
		out = append(out, g.threads())
	}
	if ev.Stacktrace != nil {
		st := newStackState(ev.Stacktrace, ev.Platform, nil, g.enh, g.cfg)
		app, sys := stacktraceComponents(st, ev.Platform)
		out = append(out, strategyResult{name: "stacktrace", app: app, system: sys})
	}
	if ev.Template != nil {
		out = append(out, strategyResult{name: "template", def: templateComponent(ev.Template)})
	}
	if ev.CSP != nil {
		out = append(out, strategyResult{name: "csp", def: cspComponent(ev.CSP)})
	}
	if ev.ExpectCT != nil {
		out = append(out, strategyResult{name: "expect-ct", def: hostReportComponent("expect-ct", "expect-ct", ev.ExpectCT)})
	}
	if ev.ExpectStaple != nil {
		out = append(out, strategyResult{name: "expect-staple", def: hostReportComponent("expect-staple", "expect-staple", ev.ExpectStaple)})
	}
	if ev.HPKP != nil {
		out = append(out, strategyResult{name: "hpkp", def: hostReportComponent("hpkp", "hpkp", ev.HPKP)})
	}
	if ev.LogEntry != nil && (ev.LogEntry.Message != "" || ev.LogEntry.Formatted != "") {
		out = append(out, strategyResult{name: "message", def: messageComponent(ev.LogEntry)})
	}
	for i := range out {
		if out[i].stackBased {
			removeNonStacktraceVariants(&out[i])
		}
	}
	return out
}

// threads groups by the stack of the one crashed thread, else the one
// current thread, else the only thread.
func (g *grouper) threads() strategyResult {
	r := strategyResult{name: "threads", stackBased: true}
	pick := func(pred func(*core.Thread) bool) (*core.Thread, int) {
		var found *core.Thread
		n := 0
		for i := range g.ev.Threads {
			if pred(&g.ev.Threads[i]) {
				found = &g.ev.Threads[i]
				n++
			}
		}
		return found, n
	}
	var th *core.Thread
	for _, pred := range []func(*core.Thread) bool{
		func(t *core.Thread) bool { return t.Crashed },
		func(t *core.Thread) bool { return t.Current },
		func(*core.Thread) bool { return true },
	} {
		if t, n := pick(pred); n == 1 {
			th = t
			break
		}
	}
	if th == nil {
		r.app = &Component{ID: "threads", Disabled: true, Hint: "ignored because does not contain exactly one thread"}
		return r
	}
	if th.Stacktrace == nil {
		r.app = &Component{ID: "threads", Disabled: true, Hint: "thread has no stacktrace"}
		return r
	}
	st := newStackState(th.Stacktrace, g.ev.Platform, nil, g.enh, g.cfg)
	app, sys := stacktraceComponents(st, g.ev.Platform)
	r.app, r.system = newNode("threads", app), newNode("threads", sys)
	return r
}

// removeNonStacktraceVariants disables the variants without a
// contributing stack trace when another variant has one.
func removeNonStacktraceVariants(r *strategyResult) {
	hasStack := func(c *Component) bool {
		return c.any("stacktrace", func(s *Component) bool { return s.Contributes() })
	}
	var with []string
	var without []*Component
	for _, v := range []struct {
		name string
		c    *Component
	}{{"app", r.app}, {"system", r.system}} {
		if v.c == nil {
			continue
		}
		if hasStack(v.c) {
			with = append(with, v.name)
		} else {
			without = append(without, v.c)
		}
	}
	if len(with) == 0 {
		return
	}
	suffix := "but other variants do"
	if len(with) == 1 {
		suffix = "but the " + with[0] + " variant does"
	}
	for _, c := range without {
		c.disable("ignored because this variant does not have a contributing stacktrace, " + suffix)
	}
}

func messageComponent(l *core.LogEntry) *Component {
	raw := l.Message
	if raw == "" {
		raw = l.Formatted
	}
	norm := normalizeMessage(raw)
	c := newLeaf("message", norm)
	if norm != raw {
		c.Hint = "stripped event-specific values"
	}
	return c
}

func templateComponent(t *core.Template) *Component {
	fn := &Component{ID: "filename"}
	if t.Filename != "" {
		fn.Leaves = []string{path.Base(strings.ReplaceAll(t.Filename, `\`, "/"))}
	}
	ctx := &Component{ID: "context-line"}
	if t.ContextLine != "" {
		ctx.Leaves = []string{t.ContextLine}
	}
	return newNode("template", fn, ctx)
}
