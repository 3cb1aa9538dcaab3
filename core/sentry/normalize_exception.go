package sentry

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/periscope-hq/periscope/core"
)

// Stack trace limits (§6.5).
const (
	maxFrames       = 250
	frameAllowance  = 50
	maxMessageChars = 8192
)

// exceptions reads the exception interface: a list, {"values": list}, or a
// single exception object ({} means none).
func (n *normalizer) exceptions(i int) {
	t := n.t
	list := -1
	switch t.kind(i) {
	case jNull:
		return
	case jArray:
		list = i
	case jObject:
		if v := t.get(i, "values"); v >= 0 {
			switch t.kind(v) {
			case jArray:
				list = v
			case jNull:
			default:
				n.invalid("exception.values")
			}
		} else if t.nodes[i].n > 0 {
			if ex, ok := n.exception(i); ok {
				n.ev.Exceptions = append(n.ev.Exceptions, ex)
			}
			return
		}
	default:
		n.invalid("exception")
		return
	}
	if list < 0 {
		return
	}
	exs := make([]core.Exception, 0, t.nodes[list].n)
	t.children(list, func(c int) {
		if t.kind(c) == jNull {
			return
		}
		if t.kind(c) != jObject {
			n.invalid("exception.values")
			return
		}
		if ex, ok := n.exception(c); ok {
			exs = append(exs, ex)
		}
	})
	if len(exs) > 0 {
		n.ev.Exceptions = exs
	}
}

// exception reads one exception object; ok is false when it has neither a
// type nor a value (Relay removes it).
func (n *normalizer) exception(i int) (core.Exception, bool) {
	t := n.t
	var ex core.Exception
	t.children(i, func(c int) {
		switch t.nodes[c].key {
		case "type":
			ex.Type = n.scalarField("exception.type", c)
		case "value":
			if t.kind(c) == jObject || t.kind(c) == jArray {
				ex.Value = t.raw(c)
			} else {
				ex.Value = n.scalarField("exception.value", c)
			}
		case "module":
			ex.Module = n.string("exception.module", c)
		case "thread_id":
			ex.ThreadID = n.scalarField("exception.thread_id", c)
		case "mechanism":
			ex.Mechanism = n.mechanism(c)
		case "stacktrace":
			ex.Stacktrace = n.stacktrace("exception.stacktrace", c)
		}
	})
	if ex.Type == "" {
		if typ, val, ok := splitTypeValue(ex.Value); ok {
			ex.Type, ex.Value = typ, val
		}
	}
	if ex.Type == "" && ex.Value == "" {
		n.note("missing_attribute: exception type or value")
		return ex, false
	}
	ex.Value, _ = truncate(ex.Value, maxMessageChars, 200)
	return ex, true
}

// splitTypeValue splits "ZeroDivisionError: division by zero" the way Relay
// does for exceptions without a type (^(\w+):(.*)$).
func splitTypeValue(v string) (typ, val string, ok bool) {
	colon := strings.IndexByte(v, ':')
	if colon <= 0 || strings.IndexByte(v, '\n') >= 0 {
		return "", "", false
	}
	for _, r := range v[:colon] {
		if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return "", "", false
		}
	}
	return v[:colon], strings.TrimSpace(v[colon+1:]), true
}

// mechanism reads an exception mechanism object.
func (n *normalizer) mechanism(i int) *core.Mechanism {
	t := n.t
	if t.isNull(i) {
		return nil
	}
	if t.kind(i) != jObject {
		n.invalid("exception.mechanism")
		return nil
	}
	m := &core.Mechanism{}
	t.children(i, func(c int) {
		switch t.nodes[c].key {
		case "type":
			m.Type, _ = t.str(c)
		case "handled":
			if v, ok := t.bool(c); ok {
				m.Handled = &v
			}
		case "synthetic":
			m.Synthetic, _ = t.bool(c)
		case "exception_id":
			if v, ok := t.int(c); ok {
				m.ExceptionID = &v
			}
		case "parent_id":
			if v, ok := t.int(c); ok {
				m.ParentID = &v
			}
		case "is_exception_group":
			m.IsExceptionGroup, _ = t.bool(c)
		case "source":
			m.Source, _ = t.str(c)
		case "meta":
			m.Meta = t.objectMap(c)
		}
	})
	if m.Type == "" {
		m.Type = "generic"
	}
	return m
}

// stacktrace reads a stacktrace object; nil when it has no usable frames.
// Only the newest 250 frames are kept, and past 50 frames the middle ones
// lose vars and source context.
func (n *normalizer) stacktrace(field string, i int) *core.Stacktrace {
	t := n.t
	if t.isNull(i) {
		return nil
	}
	if t.kind(i) != jObject {
		n.invalid(field)
		return nil
	}
	fi := t.get(i, "frames")
	if t.kind(fi) != jArray {
		if !t.isNull(fi) {
			n.invalid(field + ".frames")
		}
		return nil
	}
	total := int(t.nodes[fi].n)
	skip := 0
	if total > maxFrames {
		skip = total - maxFrames
		n.note("trimmed: " + field + ".frames")
	}
	frames := make([]core.Frame, 0, total-skip)
	k := 0
	t.children(fi, func(c int) {
		k++
		if k <= skip {
			return
		}
		if t.kind(c) != jObject {
			if !t.isNull(c) {
				n.invalid(field + ".frames")
			}
			return
		}
		frames = append(frames, n.frame(c))
	})
	if len(frames) == 0 {
		return nil
	}
	if len(frames) > frameAllowance {
		for j := frameAllowance / 2; j < len(frames)-frameAllowance/2; j++ {
			frames[j].Vars, frames[j].PreContext, frames[j].PostContext = nil, nil, nil
		}
	}
	return &core.Stacktrace{Frames: frames}
}

// frame reads one stack frame.
func (n *normalizer) frame(i int) core.Frame {
	t := n.t
	var f core.Frame
	t.children(i, func(c int) {
		switch t.nodes[c].key {
		case "function":
			f.Function, _ = t.str(c)
		case "raw_function":
			f.RawFunction, _ = t.str(c)
		case "symbol":
			f.Symbol, _ = t.str(c)
		case "module":
			f.Module, _ = t.str(c)
		case "package":
			f.Package, _ = t.str(c)
		case "filename":
			f.Filename, _ = t.str(c)
		case "abs_path":
			f.AbsPath, _ = t.str(c)
		case "lineno":
			if v, ok := t.int(c); ok && v >= 0 {
				f.Lineno = v
			}
		case "colno":
			if v, ok := t.int(c); ok && v >= 0 {
				f.Colno = v
			}
		case "platform":
			f.Platform, _ = t.str(c)
		case "context_line":
			if s, ok := t.str(c); ok {
				f.ContextLine = &s
			}
		case "pre_context":
			f.PreContext = n.lines(c)
		case "post_context":
			f.PostContext = n.lines(c)
		case "in_app":
			if v, ok := t.bool(c); ok {
				f.InApp = &v
			}
		case "instruction_addr":
			f.InstructionAddr = n.addr(c)
		case "symbol_addr":
			f.SymbolAddr = n.addr(c)
		case "image_addr":
			f.ImageAddr = n.addr(c)
		case "trust":
			f.Trust, _ = t.str(c)
		case "lang":
			f.Lang, _ = t.str(c)
		case "vars":
			f.Vars = n.vars(c)
		case "data":
			f.Data = t.objectMap(c)
		}
	})
	fillFramePaths(&f)
	return f
}

// fillFramePaths completes filename and abs_path from each other as Relay
// does: a lone filename becomes the abs_path, and a missing filename is the
// abs_path, or the path part of it when it is a URL.
func fillFramePaths(f *core.Frame) {
	if f.AbsPath == "" {
		f.AbsPath, f.Filename = f.Filename, ""
	}
	if f.Filename != "" || f.AbsPath == "" {
		return
	}
	f.Filename = f.AbsPath
	for _, scheme := range []string{"file:", "http:", "https:", "applewebdata:"} {
		if strings.HasPrefix(f.AbsPath, scheme) {
			if u, err := url.Parse(f.AbsPath); err == nil && u.Path != "" && u.Path != "/" {
				f.Filename = u.EscapedPath()
			}
			break
		}
	}
}

// lines reads a list of source lines; null entries become "".
func (n *normalizer) lines(i int) []string {
	t := n.t
	if t.kind(i) != jArray || t.nodes[i].n == 0 {
		return nil
	}
	out := make([]string, 0, t.nodes[i].n)
	t.children(i, func(c int) {
		s, _ := t.scalar(c)
		out = append(out, s)
	})
	return out
}

// addr reads an address given as a hex string or a number, as "0x…".
func (n *normalizer) addr(i int) string {
	t := n.t
	switch t.kind(i) {
	case jString:
		s := strings.TrimSpace(t.nodes[i].str)
		if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
			if v, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
				return "0x" + strconv.FormatUint(v, 16)
			}
		} else if v, err := strconv.ParseUint(s, 10, 64); err == nil {
			return "0x" + strconv.FormatUint(v, 16)
		}
	case jNumber:
		if v, err := strconv.ParseUint(t.nodes[i].str, 10, 64); err == nil {
			return "0x" + strconv.FormatUint(v, 16)
		}
	}
	return ""
}

// vars reads frame variables: an object, or a list turned into an object
// keyed by index.
func (n *normalizer) vars(i int) map[string]any {
	t := n.t
	switch t.kind(i) {
	case jObject:
		return t.objectMap(i)
	case jArray:
		m := make(map[string]any, t.nodes[i].n)
		k := 0
		t.children(i, func(c int) {
			m[strconv.Itoa(k)] = t.any(c)
			k++
		})
		return m
	}
	return nil
}

// threads reads the threads interface: a list or {"values": list}.
func (n *normalizer) threads(i int) []core.Thread {
	t := n.t
	if t.isNull(i) {
		return nil
	}
	if t.kind(i) == jObject {
		i = t.get(i, "values")
	}
	if t.kind(i) != jArray {
		if !t.isNull(i) {
			n.invalid("threads")
		}
		return nil
	}
	out := make([]core.Thread, 0, t.nodes[i].n)
	t.children(i, func(c int) {
		if t.kind(c) != jObject {
			return
		}
		var th core.Thread
		t.children(c, func(m int) {
			switch t.nodes[m].key {
			case "id":
				th.ID, _ = t.scalar(m)
			case "name":
				th.Name, _ = t.str(m)
			case "crashed":
				th.Crashed, _ = t.bool(m)
			case "current":
				th.Current, _ = t.bool(m)
			case "main":
				th.Main, _ = t.bool(m)
			case "stacktrace":
				th.Stacktrace = n.stacktrace("threads.stacktrace", m)
			}
		})
		out = append(out, th)
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

// template reads the template interface (Django-style template errors).
func (n *normalizer) template(i int) *core.Template {
	t := n.t
	if t.isNull(i) {
		return nil
	}
	if t.kind(i) != jObject {
		n.invalid("template")
		return nil
	}
	tp := &core.Template{}
	tp.Filename, _ = t.str(t.get(i, "filename"))
	tp.AbsPath, _ = t.str(t.get(i, "abs_path"))
	tp.Lineno, _ = t.int(t.get(i, "lineno"))
	tp.ContextLine, _ = t.str(t.get(i, "context_line"))
	return tp
}
