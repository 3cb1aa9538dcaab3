package rules

import (
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// frameState is the grouping view of one frame: the frame as sent plus
// what normalization and stack trace rules decided about it. Frames of the
// event itself are never modified.
type frameState struct {
	// contextLine replaces f.ContextLine when set (a parameterized
	// multiprocessing line).
	contextLine string
	f           *core.Frame
	platform    string
	fam         family
	fn          string // function (trimmed for native platforms)
	absPath     string // without ?query/#fragment for JavaScript
	filename    string
	path        string // lowercase abs_path or filename, '/' separated, for rules
	pkg         string // lowercase package, '/' separated, for rules
	inApp       bool
	inAppSet    bool // a stack trace rule set inApp
	appRule     *enhRule
	sdkInApp    *bool
	group       int8 // -1 out of group by a rule, +1 in, 0 untouched
	grpRule     *enhRule
	category    string
}

func (f *frameState) function() string { return f.fn }

// stackState is one stack trace being grouped.
type stackState struct {
	cfg           *groupingConfig
	frames        []frameState
	exc           *core.Exception
	maxFrames     int
	maxFramesRule *enhRule
	minFrames     int
	minFramesRule *enhRule
	cats          uint64 // categories some frame has

	// Stack-wide prefilters: first bytes of modules and functions, and
	// every frame path ("/"-prefixed when relative) joined by newlines.
	modFirst, fnFirst [4]uint64
	paths             string
}

// mayMatch reports whether rule r can match any frame of the stack
// (false only when it certainly cannot).
func (s *stackState) mayMatch(r *enhRule) bool {
	switch r.idxKey {
	case 'm':
		if s.modFirst[r.idxByte>>6]&(1<<(r.idxByte&63)) == 0 {
			return false
		}
	case 'f':
		if s.fnFirst[r.idxByte>>6]&(1<<(r.idxByte&63)) == 0 {
			return false
		}
	}
	if r.pathNeedle != "" && len(r.caller) == 0 && len(r.callee) == 0 {
		if s.paths == "" {
			s.buildPaths()
		}
		if !strings.Contains(s.paths, r.pathNeedle) {
			return false
		}
	}
	return true
}

func (s *stackState) buildPaths() {
	n := 1
	for i := range s.frames {
		n += len(s.frames[i].path) + 2
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('\n')
	for i := range s.frames {
		p := s.frames[i].path
		if p != "" && p[0] != '/' {
			b.WriteByte('/')
		}
		b.WriteString(p)
		b.WriteByte('\n')
	}
	s.paths = b.String()
}

// newStackState builds the grouping view of a stack trace and applies the
// stack trace rules to it.
func newStackState(st *core.Stacktrace, evPlatform string, exc *core.Exception, enh *Enhancements, cfg *groupingConfig) *stackState {
	s := &stackState{exc: exc, frames: make([]frameState, len(st.Frames)), cfg: cfg}
	for i := range st.Frames {
		initFrameState(&s.frames[i], &st.Frames[i], evPlatform)
		fs := &s.frames[i]
		if !cfg.keepMultiprocessingLines {
			fs.contextLine = multiprocessingContextLine(fs, evPlatform)
		}
		if c := fs.category; c != "" {
			s.cats |= categoryBit(c)
		}
		if m := fs.f.Module; m != "" {
			s.modFirst[m[0]>>6] |= 1 << (m[0] & 63)
		}
		if fn := fs.fn; fn != "" {
			s.fnFirst[fn[0]>>6] |= 1 << (fn[0] & 63)
		}
	}
	enh.apply(s)
	return s
}

func initFrameState(fs *frameState, f *core.Frame, evPlatform string) {
	fs.f = f
	fs.platform = firstNonEmpty(f.Platform, evPlatform)
	fs.fam = familyOf(fs.platform)
	fs.absPath, fs.filename = f.AbsPath, f.Filename
	if fs.fam == famJS {
		fs.absPath, fs.filename = stripQuery(fs.absPath), stripQuery(fs.filename)
	}
	fs.fn = f.Function
	if fs.fam == famNative || fs.platform == "csharp" {
		if f.RawFunction == "" && fs.fn != "" {
			fs.fn = trimFunctionName(fs.fn, false)
		}
	}
	fs.path = normPath(firstNonEmpty(fs.absPath, fs.filename))
	fs.pkg = normPath(f.Package)
	fs.sdkInApp = f.InApp
	if orig, ok := f.Data["orig_in_app"]; ok {
		// A previous stack trace rule run recorded the SDK's value.
		switch v := orig.(type) {
		case bool:
			fs.sdkInApp = &v
		case float64:
			if v < 0 {
				fs.sdkInApp = nil
			} else {
				b := v != 0
				fs.sdkInApp = &b
			}
		}
	}
	fs.inApp = fs.sdkInApp != nil && *fs.sdkInApp
	if c, ok := f.Data["category"].(string); ok {
		fs.category = c
	}
}

func stripQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

func normPath(s string) string {
	if s == "" {
		return ""
	}
	if strings.IndexByte(s, '\\') >= 0 {
		s = strings.ReplaceAll(s, `\`, "/")
	}
	return strings.ToLower(s)
}

// sameFrame reports Sentry's recursion test: a frame identical to the one
// before it.
func sameFrame(a, b *core.Frame) bool {
	return a.AbsPath == b.AbsPath && a.Package == b.Package && a.Module == b.Module &&
		a.Filename == b.Filename && a.Function == b.Function && a.Lineno == b.Lineno && a.Colno == b.Colno
}

// stacktraceComponents returns the app and system "stacktrace" components
// of a stack.
func stacktraceComponents(s *stackState, evPlatform string) (app, system *Component) {
	n := len(s.frames)
	a := newCompAlloc(n)
	app, system = a.get(), a.get()
	app.ID, system.ID = "stacktrace", "stacktrace"
	app.Children, system.Children = a.slice(n)[:n], a.slice(n)[:n]
	for i := range s.frames {
		f := &s.frames[i]
		parts := frameParts(f, a)
		sys := a.get()
		sys.ID, sys.Children = "frame", parts
		switch {
		case f.fam == famJS && lowQualityJSFrame(f):
			sys.disable("ignored low quality javascript frame")
		case i > 0 && sameFrame(f.f, s.frames[i-1].f):
			sys.disable("ignored due to recursion")
		case f.group < 0:
			sys.disable(f.grpRule.groupHint)
		}
		ap := a.get()
		ap.ID, ap.Children, ap.Disabled, ap.Hint = "frame", parts, sys.Disabled, sys.Hint
		if !f.inApp {
			ap.disable(notInAppHint(f))
		}
		app.Children[i], system.Children[i] = ap, sys
	}
	if n == 1 {
		f := &s.frames[0]
		// 2023 drops the frame when it has a URL, the opposite of what
		// its hint says; 2026 when it has none.
		if f.fam == famJS && f.fn == "" && isURLPath(f.absPath) == s.cfg.jsSingleFrameWithURL {
			for _, c := range []*Component{app.Children[0], system.Children[0]} {
				if c.Contributes() {
					c.disable("ignored single non-URL JavaScript frame")
				}
			}
		}
	}
	for _, st := range []*Component{app, system} {
		if s.maxFrames > 0 {
			limitFrames(st, s.maxFrames)
		}
		if s.minFrames > 0 {
			count := 0
			for _, c := range st.Children {
				if c.Contributes() {
					count++
				}
			}
			if count > 0 && count < s.minFrames {
				st.disable("discarded because stack trace only contains " + strconv.Itoa(count) +
					" frames which is under the configured threshold")
			}
		}
	}
	if !app.Contributes() && !app.Disabled {
		app.disable("ignored because it contains no in-app frames")
	}
	return app, system
}

func notInAppHint(f *frameState) string {
	switch {
	case f.inAppSet && f.appRule != nil:
		return f.appRule.outHint
	case f.sdkInApp != nil && !*f.sdkInApp:
		return "marked out of app by the client"
	}
	return "non app frame"
}

// limitFrames keeps only the last n contributing frames.
func limitFrames(st *Component, n int) {
	kept := 0
	for i := len(st.Children) - 1; i >= 0; i-- {
		c := st.Children[i]
		if !c.Contributes() {
			continue
		}
		if kept >= n {
			c.disable("ignored because only " + strconv.Itoa(n) + " frames are considered")
			continue
		}
		kept++
	}
}

func isURLPath(p string) bool {
	return hasURLOrigin(p) || strings.HasPrefix(p, "file:") || strings.HasPrefix(p, "ftp:")
}
