package sentry

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/core"
)

// Title returns the issue title Sentry derives for an event:
//
//   - errors: "Type: first line of value" (value cut at 100 characters,
//     ending in "..."), just the type when there is no value; for exception
//     groups the main exception (the group's child with the lowest
//     exception_id) is used; for a synthetic mechanism (captureMessage with
//     a stack) the message, else the value, else the crashing function;
//   - transactions: the transaction name;
//   - security reports: "Blocked 'style' from 'host'", "Expect-CT failed for
//     'host'" and the like (or the message Relay already put in logentry);
//   - everything else: the first line of the log message (the formatted
//     text, else the template), cut at 100 characters, or
//     "<unlabeled event>".
func Title(ev *core.EventData) string {
	if ev == nil {
		return "<unlabeled event>"
	}
	switch ev.Type {
	case "transaction":
		if ev.Transaction != "" {
			return ev.Transaction
		}
		return "<unlabeled transaction>"
	case "csp", "hpkp", "expectct", "expectstaple":
		if msg := messageTitle(ev); msg != "" {
			return msg
		}
		return securityTitle(ev)
	}
	if len(ev.Exceptions) > 0 {
		return errorTitle(ev)
	}
	if msg := messageTitle(ev); msg != "" {
		return msg
	}
	return "<unlabeled event>"
}

func messageTitle(ev *core.EventData) string {
	if ev.LogEntry == nil {
		return ""
	}
	msg := strings.TrimSpace(ev.LogEntry.Formatted)
	if msg == "" {
		msg = strings.TrimSpace(ev.LogEntry.Message)
	}
	return truncateChars(firstLine(msg), 100)
}

func errorTitle(ev *core.EventData) string {
	ex := mainException(ev.Exceptions)
	if ex.Mechanism != nil && ex.Mechanism.Synthetic {
		// Sentry titles these by the crashing function, which for
		// captureMessage with attachStacktrace is often "?"; the message
		// says more, so it comes first.
		if msg := messageTitle(ev); msg != "" {
			return msg
		}
		if v := truncateChars(firstLine(strings.TrimSpace(ex.Value)), 100); v != "" {
			return v
		}
		if f := crashFrame(ev); f != nil && f.Function != "" {
			return f.Function
		}
		return "<unknown>"
	}
	typ := ex.Type
	if typ == "" {
		typ = "Error"
	}
	typ = truncateChars(typ, 128)
	if ex.Value == "" {
		return typ
	}
	return typ + ": " + truncateChars(firstLine(ex.Value), 100)
}

// mainException is the exception a title and a culprit describe: the last
// (outermost) one, or, when that is an exception group, its first
// descendant that is not a group.
func mainException(exs []core.Exception) *core.Exception {
	ex := &exs[len(exs)-1]
	for depth := 0; depth < 16 && ex.Mechanism != nil && ex.Mechanism.IsExceptionGroup && ex.Mechanism.ExceptionID != nil; depth++ {
		var child *core.Exception
		for i := range exs {
			m := exs[i].Mechanism
			if m != nil && m.ParentID != nil && *m.ParentID == *ex.Mechanism.ExceptionID && m.ExceptionID != nil &&
				(child == nil || *m.ExceptionID < *child.Mechanism.ExceptionID) {
				child = &exs[i]
			}
		}
		if child == nil {
			break
		}
		ex = child
	}
	return ex
}

// crashedThreadStack is the stack of the first thread marked crashed or
// current, nil when there is none: where a native or threaded event keeps
// the stack its exception lacks.
func crashedThreadStack(ev *core.EventData) *core.Stacktrace {
	for i := range ev.Threads {
		if ev.Threads[i].Crashed || ev.Threads[i].Current {
			return ev.Threads[i].Stacktrace
		}
	}
	return nil
}

// crashFrame is the newest in-app frame with a function in the stack of the
// main exception (or the event's stack or crashed thread), else the newest
// frame with a function.
func crashFrame(ev *core.EventData) *core.Frame {
	st := ev.Stacktrace
	if len(ev.Exceptions) > 0 {
		st = mainException(ev.Exceptions).Stacktrace
	}
	if st == nil {
		st = crashedThreadStack(ev)
	}
	if st == nil {
		return nil
	}
	var fallback *core.Frame
	for i := len(st.Frames) - 1; i >= 0; i-- {
		f := &st.Frames[i]
		if f.Function == "" || f.Function == "<redacted>" || f.Function == "<unknown>" {
			continue
		}
		if f.InApp != nil && *f.InApp {
			return f
		}
		if fallback == nil {
			fallback = f
		}
	}
	return fallback
}

// Culprit returns where Sentry says an event happened: the transaction when
// the SDK set one, else the culprit the SDK sent, else the location of the
// newest in-app frame of the last stack ("module in function", "function(
// module)" for JavaScript, the function for native code), else the request
// URL; security reports use the violated directive or the host name. At
// most 200 characters.
func Culprit(ev *core.EventData) string {
	if ev == nil {
		return ""
	}
	if ev.Transaction != "" {
		return truncateChars(ev.Transaction, 200)
	}
	if ev.Culprit != "" {
		return truncateChars(ev.Culprit, 200)
	}
	switch ev.Type {
	case "csp":
		s, _ := ev.CSP["violated_directive"].(string)
		return truncateChars(s, 200)
	case "hpkp", "expectct", "expectstaple":
		return truncateChars(securityHost(ev), 200)
	}
	var st *core.Stacktrace
	if len(ev.Exceptions) > 0 {
		if m := ev.Exceptions[len(ev.Exceptions)-1].Mechanism; m != nil && m.Synthetic {
			return ""
		}
		for i := range ev.Exceptions {
			if s := ev.Exceptions[i].Stacktrace; s != nil && len(s.Frames) > 0 {
				st = s
			}
		}
	} else if ev.Stacktrace != nil && len(ev.Stacktrace.Frames) > 0 {
		st = ev.Stacktrace
	}
	culprit := ""
	if st != nil {
		culprit = stackCulprit(st, ev.Platform)
	}
	if culprit == "" {
		culprit, _ = ev.Request["url"].(string)
	}
	return truncateChars(culprit, 200)
}

func stackCulprit(st *core.Stacktrace, platform string) string {
	def, haveDef := "", false
	for i := len(st.Frames) - 1; i >= 0; i-- {
		f := &st.Frames[i]
		if f.InApp != nil && *f.InApp {
			if c := frameCulprit(f, platform); c != "" {
				return c
			}
		} else if !haveDef {
			def, haveDef = frameCulprit(f, platform), true
		}
	}
	return def
}

func frameCulprit(f *core.Frame, platform string) string {
	if f.Platform != "" {
		platform = f.Platform
	}
	fn := f.Function
	if fn == "" {
		fn = "?"
	}
	switch platform {
	case "objc", "cocoa", "native":
		return fn
	}
	loc := f.Module
	if loc == "" {
		loc = f.Filename
	}
	if loc == "" {
		return ""
	}
	if platform == "javascript" || platform == "node" {
		return fn + "(" + loc + ")"
	}
	return loc + " in " + fn
}

// securityTitle builds the message Relay gives a security report.
func securityTitle(ev *core.EventData) string {
	switch ev.Type {
	case "csp":
		dir, _ := ev.CSP["effective_directive"].(string)
		if dir == "" {
			dir, _ = ev.CSP["violated_directive"].(string)
			dir, _, _ = strings.Cut(dir, " ")
		}
		blocked, _ := ev.CSP["blocked_uri"].(string)
		uri := cspURI(blocked)
		switch dir {
		case "child-src":
			return "Blocked 'child' from '" + uri + "'"
		case "connect-src":
			return "Blocked connection to '" + uri + "'"
		case "font-src":
			return "Blocked font from '" + uri + "'"
		case "form-action":
			return "Blocked form action to '" + uri + "'"
		case "img-src":
			return "Blocked image from '" + uri + "'"
		case "manifest-src":
			return "Blocked manifest from '" + uri + "'"
		case "media-src":
			return "Blocked media from '" + uri + "'"
		case "object-src":
			return "Blocked object from '" + uri + "'"
		case "script-src", "script-src-elem", "script-src-attr":
			return "Blocked 'script' from '" + uri + "'"
		case "style-src", "style-src-elem", "style-src-attr":
			return "Blocked 'style' from '" + uri + "'"
		}
		return "Blocked '" + dir + "' from '" + uri + "'"
	case "hpkp":
		return "Public key pinning validation failed for '" + securityHost(ev) + "'"
	case "expectct":
		return "Expect-CT failed for '" + securityHost(ev) + "'"
	case "expectstaple":
		return "Expect-Staple failed for '" + securityHost(ev) + "'"
	}
	return "<unlabeled event>"
}

func securityHost(ev *core.EventData) string {
	for _, m := range []map[string]any{ev.HPKP, ev.ExpectCT, ev.ExpectStaple} {
		if h, ok := m["hostname"].(string); ok {
			return h
		}
	}
	return ""
}

// cspURI shortens a blocked URI to host[:port] as Relay shows it; keywords
// ("self", "inline", "eval"...) are kept.
func cspURI(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		return u.Host
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// truncateChars cuts s to n characters, the last three being "...", as
// Sentry's truncatechars does.
func truncateChars(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	keep, i := n-3, 0
	for k := range s {
		if i == keep {
			return s[:k] + "..."
		}
		i++
	}
	return s
}
