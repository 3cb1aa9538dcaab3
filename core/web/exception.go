package web

import "github.com/periscope-hq/periscope/core"

// exceptionView is one exception of the chain with its frames newest
// first, cut into runs of in-app frames (shown) and library frames
// (collapsed).
type exceptionView struct {
	core.Exception
	Blocks []frameBlock
}

type frameBlock struct {
	InApp  bool
	Frames []frameView
}

type frameView struct {
	core.Frame
	Lines []contextLine
}

type contextLine struct {
	No    int
	Text  string
	Error bool
}

// exceptions returns the chain, the exception raised last first. When
// no frame of a stack trace says it is in-app, every frame is shown.
func exceptions(d *core.EventData) []exceptionView {
	out := make([]exceptionView, 0, len(d.Exceptions))
	for i := len(d.Exceptions) - 1; i >= 0; i-- {
		ex := d.Exceptions[i]
		v := exceptionView{Exception: ex}
		if ex.Stacktrace != nil {
			v.Blocks = blocks(ex.Stacktrace.Frames)
		}
		out = append(out, v)
	}
	if len(out) == 0 && d.Stacktrace != nil {
		out = append(out, exceptionView{Blocks: blocks(d.Stacktrace.Frames)})
	}
	return out
}

func blocks(frames []core.Frame) []frameBlock {
	anyInApp := false
	for _, f := range frames {
		if f.InApp != nil && *f.InApp {
			anyInApp = true
		}
	}
	var out []frameBlock
	for i := len(frames) - 1; i >= 0; i-- {
		f := frames[i]
		inApp := !anyInApp || (f.InApp != nil && *f.InApp)
		if len(out) == 0 || out[len(out)-1].InApp != inApp {
			out = append(out, frameBlock{InApp: inApp})
		}
		b := &out[len(out)-1]
		b.Frames = append(b.Frames, frameView{Frame: f, Lines: contextLines(f)})
	}
	return out
}

func contextLines(f core.Frame) []contextLine {
	if f.ContextLine == nil {
		return nil
	}
	var out []contextLine
	first := f.Lineno - len(f.PreContext)
	for i, l := range f.PreContext {
		out = append(out, contextLine{No: first + i, Text: l})
	}
	out = append(out, contextLine{No: f.Lineno, Text: *f.ContextLine, Error: true})
	for i, l := range f.PostContext {
		out = append(out, contextLine{No: f.Lineno + 1 + i, Text: l})
	}
	return out
}
