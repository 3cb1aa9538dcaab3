package rules

import (
	"path"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// parseVar returns the variable name of a whole-string "{{ name }}"
// placeholder (whitespace inside the braces optional).
func parseVar(s string) (string, bool) {
	if len(s) < 4 || !strings.HasPrefix(s, "{{") || !strings.HasSuffix(s, "}}") {
		return "", false
	}
	name := strings.TrimSpace(s[2 : len(s)-2])
	if name == "" || strings.ContainsAny(name, " \t{}") {
		return "", false
	}
	return name, true
}

func isDefaultVar(s string) bool {
	name, ok := parseVar(s)
	return ok && name == "default"
}

// resolveFingerprint replaces fingerprint variables with their values;
// "{{ default }}" is kept as the marker.
func resolveFingerprint(fp []string, ev *core.EventData, cfg *groupingConfig) []string {
	out := make([]string, len(fp))
	for i, v := range fp {
		name, ok := parseVar(v)
		if !ok || name == "default" {
			out[i] = v
			continue
		}
		if r, ok := resolveVariable(name, ev); ok {
			if name == "message" && cfg != nil && cfg.parameterizeFingerprintMessage {
				r = Parameterize(r)
			}
			out[i] = r
		} else {
			out[i] = v
		}
	}
	return out
}

// resolveVariable resolves one fingerprint variable, with Sentry's
// placeholders for missing values. Unknown variables are not resolved.
func resolveVariable(name string, ev *core.EventData) (string, bool) {
	or := func(v, missing string) (string, bool) {
		if v == "" {
			return missing, true
		}
		return v, true
	}
	last := lastException(ev)
	switch name {
	case "transaction":
		return or(ev.Transaction, "<no-transaction>")
	case "message":
		return or(eventMessage(ev), "<no-message>")
	case "type", "error.type":
		if last == nil {
			return "<no-type>", true
		}
		return or(last.Type, "<no-type>")
	case "value", "error.value":
		if last == nil {
			return "<no-value>", true
		}
		return or(last.Value, "<no-value>")
	case "function", "stack.function":
		return or(crashFrameField(ev, func(f *core.Frame) string { return f.Function }), "<no-function>")
	case "path", "stack.abs_path":
		return or(crashFrameField(ev, func(f *core.Frame) string { return firstNonEmpty(f.AbsPath, f.Filename) }), "<no-abs-path>")
	case "stack.filename":
		return or(crashFrameField(ev, func(f *core.Frame) string { return f.Filename }), "<no-filename>")
	case "module", "stack.module":
		return or(crashFrameField(ev, func(f *core.Frame) string { return f.Module }), "<no-module>")
	case "package", "stack.package":
		return or(crashFrameField(ev, func(f *core.Frame) string {
			if f.Package == "" {
				return ""
			}
			return path.Base(strings.ReplaceAll(f.Package, `\`, "/"))
		}), "<no-package>")
	case "level":
		return or(ev.Level, "<no-level>")
	case "logger":
		return or(ev.Logger, "<no-logger>")
	}
	if tag, ok := strings.CutPrefix(name, "tags."); ok && tag != "" {
		for _, t := range ev.Tags {
			if t.Key == tag {
				return or(t.Value, "<no-value-for-tag-"+tag+">")
			}
		}
		return "<no-value-for-tag-" + tag + ">", true
	}
	return "", false
}

func lastException(ev *core.EventData) *core.Exception {
	if n := len(ev.Exceptions); n > 0 {
		return &ev.Exceptions[n-1]
	}
	return nil
}

// eventMessage is the formatted log message, else its template, else the
// value of the raised exception.
func eventMessage(ev *core.EventData) string {
	if ev.LogEntry != nil {
		if ev.LogEntry.Formatted != "" {
			return ev.LogEntry.Formatted
		}
		if ev.LogEntry.Message != "" {
			return ev.LogEntry.Message
		}
	}
	if e := lastException(ev); e != nil {
		return e.Value
	}
	return ""
}

// crashStack returns the stack of the raised exception, else the
// top-level stack, else the stack of the only thread.
func crashStack(ev *core.EventData) *core.Stacktrace {
	if e := lastException(ev); e != nil && e.Stacktrace != nil && len(e.Stacktrace.Frames) > 0 {
		return e.Stacktrace
	}
	if ev.Stacktrace != nil && len(ev.Stacktrace.Frames) > 0 {
		return ev.Stacktrace
	}
	if len(ev.Threads) == 1 && ev.Threads[0].Stacktrace != nil {
		return ev.Threads[0].Stacktrace
	}
	return nil
}

// crashFrame is the newest in-app frame of the crash stack, else its
// newest frame.
func crashFrame(ev *core.EventData) *core.Frame {
	st := crashStack(ev)
	if st == nil {
		return nil
	}
	var fallback *core.Frame
	for i := len(st.Frames) - 1; i >= 0; i-- {
		f := &st.Frames[i]
		if f.InApp != nil && *f.InApp {
			return f
		}
		if fallback == nil {
			fallback = f
		}
	}
	return fallback
}

func crashFrameField(ev *core.EventData, get func(*core.Frame) string) string {
	if f := crashFrame(ev); f != nil {
		return get(f)
	}
	return ""
}

// resolveTitle replaces "{{ variable }}" occurrences inside a rule's title
// attribute.
func resolveTitle(t string, ev *core.EventData) string {
	var b strings.Builder
	for {
		i := strings.Index(t, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(t[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(t[:i])
		name := strings.TrimSpace(t[i+2 : i+j])
		if v, ok := resolveVariable(name, ev); ok {
			b.WriteString(v)
		} else {
			b.WriteString(t[i : i+j+2])
		}
		t = t[i+j+2:]
	}
	b.WriteString(t)
	return b.String()
}
