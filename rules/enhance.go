package rules

import (
	_ "embed"
	"sync"
	"sync/atomic"

	"github.com/periscope-hq/periscope/core"
)

// Enhancements is a parsed list of stack trace rules. It is immutable and
// safe for concurrent use.
type Enhancements struct {
	rules []*enhRule
}

type enhRule struct {
	text    string
	line    int
	frame   []*frameMatcher
	exc     []*frameMatcher
	caller  []*frameMatcher
	callee  []*frameMatcher
	actions []enhAction
	fams    family // families the rule can match at all

	classifies, modifies bool // has classifying / modifying actions
	// idxKey/idxByte: when set, the rule can only match frames whose
	// module ("m") or function ("f") starts with idxByte.
	idxKey  byte
	idxByte byte
	// short is the rule without comment and extra spaces; outHint and
	// groupHint the hints of frames it takes out of the app / the group.
	short, outHint, groupHint string
	// pathNeedle: when set, some frame's path must contain it.
	pathNeedle string
	// needCats is the set of categories some frame must have for the rule
	// to match anywhere (from positive category matchers); 0 when none.
	needCats uint64
}

// categoryBits numbers frame categories for fast "is any frame of this
// category" checks. Categories are registered when rules are parsed.
var (
	categoryMu   sync.Mutex
	categoryBits = map[string]uint64{}
)

func categoryBit(name string) uint64 {
	categoryMu.Lock()
	defer categoryMu.Unlock()
	if b, ok := categoryBits[name]; ok {
		return b
	}
	if len(categoryBits) >= 63 {
		return 1 << 63 // shared overflow bit: never skips wrongly
	}
	b := uint64(1) << len(categoryBits)
	categoryBits[name] = b
	return b
}

type actKind uint8

const (
	actApp actKind = iota
	actGroup
	actCategory
	actMaxFrames
	actMinFrames
	actInvert
)

type actRange uint8

const (
	rangeSelf actRange = iota
	rangeUp            // frames after the match (toward the crash)
	rangeDown          // frames before the match (toward the caller)
)

type enhAction struct {
	kind actKind
	rng  actRange
	on   bool
	n    int
	str  string
	cat  uint64 // category bit of str
}

//go:embed enhancements.txt
var builtinEnhancementsText string

// builtinEnhancements are Periscope's default stack trace rules, written
// to reproduce the behaviour of Sentry's all-platforms:2023-01-11 base.
var builtinEnhancements = mustParseEnhancements(builtinEnhancementsText)

func mustParseEnhancements(s string) *Enhancements {
	e, err := ParseEnhancements(s)
	if err != nil {
		panic(err)
	}
	return e
}

// Len returns the number of rules.
func (e *Enhancements) Len() int {
	if e == nil {
		return 0
	}
	return len(e.rules)
}

// concat returns the rules of a followed by those of b.
func concatEnhancements(a, b *Enhancements) *Enhancements {
	if b.Len() == 0 {
		return a
	}
	if a.Len() == 0 {
		return b
	}
	out := &Enhancements{rules: make([]*enhRule, 0, len(a.rules)+len(b.rules))}
	out.rules = append(append(out.rules, a.rules...), b.rules...)
	return out
}

// apply runs the rules over the stack in two passes, as Sentry does:
// first every rule's classifying actions (category=, +app/-app), then
// every rule's modifying actions (+group/-group, max-frames...), so that
// the second pass sees the final categories and in-app flags. Within a
// pass, rules run in order and frames oldest first, each match seeing the
// effect of the actions before it.
func (e *Enhancements) apply(st *stackState) {
	if e == nil || len(st.frames) == 0 {
		return
	}
	var present family
	for i := range st.frames {
		present |= st.frames[i].fam
	}
	for pass := 0; pass < 2; pass++ {
		classify := pass == 0
		for _, r := range e.rules {
			if r.fams&present == 0 || (classify && !r.classifies) || (!classify && !r.modifies) {
				continue
			}
			if r.needCats != 0 && r.needCats&st.cats != r.needCats {
				continue
			}
			if !st.mayMatch(r) {
				continue
			}
			if !r.matchException(st.exc) {
				continue
			}
			for i := range st.frames {
				if !r.matchAt(st.frames, i) {
					continue
				}
				if tr := enhTrace.Load(); tr != nil {
					(*tr)(r)
				}
				for _, a := range r.actions {
					if a.classifies() == classify {
						a.apply(st, i, r)
					}
				}
			}
		}
	}
}

// enhTrace, when set, is called with every rule that matches a frame.
// Only tests set it (to find built-in rules no corpus event exercises).
var enhTrace atomic.Pointer[func(*enhRule)]

func (a enhAction) classifies() bool { return a.kind == actApp || a.kind == actCategory }

func (r *enhRule) matchException(e *core.Exception) bool {
	for _, m := range r.exc {
		if !m.matchException(e) {
			return false
		}
	}
	return true
}

func (r *enhRule) matchAt(frames []frameState, i int) bool {
	f := &frames[i]
	if r.fams&f.fam == 0 {
		return false
	}
	switch r.idxKey {
	case 'm':
		if len(f.f.Module) == 0 || f.f.Module[0] != r.idxByte {
			return false
		}
	case 'f':
		if len(f.fn) == 0 || f.fn[0] != r.idxByte {
			return false
		}
	}
	for _, m := range r.frame {
		if !m.matchFrame(f) {
			return false
		}
	}
	if len(r.caller) > 0 {
		if i == 0 || !matchAll(r.caller, &frames[i-1]) {
			return false
		}
	}
	if len(r.callee) > 0 {
		if i+1 >= len(frames) || !matchAll(r.callee, &frames[i+1]) {
			return false
		}
	}
	return true
}

func matchAll(ms []*frameMatcher, f *frameState) bool {
	for _, m := range ms {
		if !m.matchFrame(f) {
			return false
		}
	}
	return true
}

func (a enhAction) apply(st *stackState, i int, r *enhRule) {
	switch a.kind {
	case actMaxFrames:
		st.maxFrames, st.maxFramesRule = a.n, r
		return
	case actMinFrames:
		st.minFrames, st.minFramesRule = a.n, r
		return
	case actInvert:
		return
	}
	lo, hi := i, i+1
	switch a.rng {
	case rangeUp:
		lo, hi = i+1, len(st.frames)
	case rangeDown:
		lo, hi = 0, i
	}
	for j := lo; j < hi; j++ {
		f := &st.frames[j]
		switch a.kind {
		case actApp:
			f.inApp, f.inAppSet, f.appRule = a.on, true, r
		case actGroup:
			f.group, f.grpRule = -1, r
			if a.on {
				f.group = 1
			}
		case actCategory:
			f.category = a.str
			st.cats |= a.cat
		}
	}
}

// ruleText returns a short description of a rule for hints.
func (r *enhRule) ruleText() string {
	if r == nil {
		return ""
	}
	return r.short
}

func stripComment(s string) string {
	inQ := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQ = !inQ
		case '\\':
			i++
		case '#':
			if !inQ {
				return s[:i]
			}
		}
	}
	return s
}
