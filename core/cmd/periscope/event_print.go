package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// maxBreadcrumbs is how many of the newest breadcrumbs `event show` prints.
const maxBreadcrumbs = 10

// printEvent writes an event as a person debugging it reads it, the way
// an issue page shows it: what was raised and where (in-app frames with
// their source line), the message, who and which request, the breadcrumbs
// that led there, then tags, release and environment. The grouping
// explanation comes only with grouping; base is the server's URL, for
// attachment links.
func printEvent(w io.Writer, ev *core.Event, base string, grouping bool) {
	var data core.EventData
	if len(ev.Data) > 0 {
		_ = json.Unmarshal(ev.Data, &data) // an unreadable one shows the columns only
	}
	fmt.Fprintf(w, "Event %s (project %d, issue %d)\n", ev.EventID, ev.ProjectID, ev.IssueID)
	fmt.Fprintf(w, "  %s\n", ev.Title)
	if ev.Culprit != "" {
		fmt.Fprintf(w, "  in %s\n", ev.Culprit)
	}
	fmt.Fprintf(w, "  level %s   platform %s   at %s (received %s)\n", dash(ev.Level), dash(ev.Platform), when(&ev.Timestamp), when(&ev.Received))
	fmt.Fprintf(w, "  release %s   environment %s   sdk %s\n", dash(ev.Release), dash(ev.Environment), strings.TrimSpace(dash(ev.SDKName)+" "+ev.SDKVersion))

	printExceptions(w, data.Exceptions)
	if len(data.Exceptions) == 0 {
		if st := eventStack(&data); st != nil {
			fmt.Fprintln(w, "\nStack trace (most recent call first)")
			printFrames(w, st.Frames, "  ")
		}
	}
	if msg := data.LogEntry.Text(); msg != "" {
		fmt.Fprintf(w, "\nMessage\n  %s\n", indent(msg, "  "))
	}
	if u := describeUser(data.User); u != "" {
		fmt.Fprintf(w, "\nUser\n  %s\n", u)
	}
	if r := describeRequest(data.Request); r != "" {
		fmt.Fprintf(w, "\nRequest\n  %s\n", r)
	}
	if crumbs := breadcrumbs(ev); len(crumbs) > 0 {
		shown := crumbs[max(0, len(crumbs)-maxBreadcrumbs):]
		fmt.Fprintf(w, "\nBreadcrumbs (last %d of %d, oldest first)\n", len(shown), len(crumbs))
		for _, b := range shown {
			fmt.Fprintf(w, "  %s\n", b)
		}
	}
	if len(ev.Tags) > 0 {
		fmt.Fprintln(w, "\nTags")
		width := 0
		for _, t := range ev.Tags {
			width = max(width, len(t.Key))
		}
		for _, t := range ev.Tags {
			fmt.Fprintf(w, "  %-*s  %s\n", width, t.Key, t.Value)
		}
	}
	for i, a := range ev.Attachments {
		if i == 0 {
			fmt.Fprintln(w, "\nAttachments")
		}
		fmt.Fprintf(w, "  %d %s (%s, %d bytes): %s/api/admin/projects/%d/events/%s/attachments/%d\n",
			a.ID, a.Filename, dash(a.ContentType), a.Size, base, ev.ProjectID, ev.EventID, a.ID)
	}
	g := ev.Grouping
	if grouping {
		fmt.Fprintf(w, "\nGrouping\n  decided by   %s %s %s\n  hash         %s\n", g.DecidedBy, g.Name, g.Config, g.Hash)
		if len(g.Components) > 0 && string(g.Components) != "null" {
			fmt.Fprintf(w, "  components   %s\n", g.Components)
		}
	} else {
		fmt.Fprintf(w, "\nGrouped by %s (hash %s; --grouping explains, --raw prints the %d-byte payload, --json everything)\n", dash(g.DecidedBy), g.Hash, len(ev.Payload))
	}
}

// printExceptions prints the chain from the exception raised (the last)
// back to its first cause, each with its in-app frames.
func printExceptions(w io.Writer, excs []core.Exception) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := excs[i]
		head := "Exception"
		if i < len(excs)-1 {
			head = "Caused by"
		}
		text := e.Type
		if e.Value != "" {
			if text != "" {
				text += ": "
			}
			text += e.Value
		}
		fmt.Fprintf(w, "\n%s\n  %s\n", head, indent(dash(text), "  "))
		if e.Stacktrace != nil {
			printFrames(w, e.Stacktrace.Frames, "  ")
		}
	}
}

// printFrames prints frames most recent first: the in-app ones, or every
// frame when the SDK marked none in-app.
func printFrames(w io.Writer, frames []core.Frame, pad string) {
	shown := make([]core.Frame, 0, len(frames))
	for _, f := range frames {
		if f.InApp != nil && *f.InApp {
			shown = append(shown, f)
		}
	}
	hidden := len(frames) - len(shown)
	if len(shown) == 0 {
		shown, hidden = frames, 0
	}
	for i := len(shown) - 1; i >= 0; i-- {
		f := shown[i]
		fmt.Fprintf(w, "%s  at %s\n", pad, frameLocation(f))
		if f.ContextLine != nil && strings.TrimSpace(*f.ContextLine) != "" {
			fmt.Fprintf(w, "%s       %s\n", pad, strings.TrimSpace(*f.ContextLine))
		}
	}
	if hidden > 0 {
		fmt.Fprintf(w, "%s  (%d frames not in-app hidden; --json shows them)\n", pad, hidden)
	}
}

// frameLocation is "file:line in function".
func frameLocation(f core.Frame) string {
	file := f.Filename
	if file == "" {
		file = f.AbsPath
	}
	if file == "" {
		file = f.Module
	}
	if file == "" {
		file = "?"
	}
	if f.Lineno > 0 {
		file = fmt.Sprintf("%s:%d", file, f.Lineno)
	}
	fn := f.Function
	if fn == "" {
		fn = f.RawFunction
	}
	if fn == "" {
		return file
	}
	return file + " in " + fn
}

// eventStack is the stack of an event without exceptions: its own, else
// that of the crashed (or current) thread.
func eventStack(d *core.EventData) *core.Stacktrace {
	if d.Stacktrace != nil && len(d.Stacktrace.Frames) > 0 {
		return d.Stacktrace
	}
	for _, want := range []func(core.Thread) bool{
		func(t core.Thread) bool { return t.Crashed }, func(t core.Thread) bool { return t.Current },
	} {
		for _, t := range d.Threads {
			if want(t) && t.Stacktrace != nil && len(t.Stacktrace.Frames) > 0 {
				return t.Stacktrace
			}
		}
	}
	return nil
}

// describeUser lists a user's id, email, username and IP first, then the
// rest, as key=value.
func describeUser(u map[string]any) string {
	return describeMap(u, []string{"id", "email", "username", "ip_address", "name"})
}

// describeRequest is "METHOD URL" and the query when the URL lacks it.
func describeRequest(r map[string]any) string {
	if len(r) == 0 {
		return ""
	}
	method, _ := r["method"].(string)
	u, _ := r["url"].(string)
	s := strings.TrimSpace(method + " " + u)
	if q := queryString(r["query_string"]); q != "" && !strings.Contains(u, "?") {
		s += "?" + q
	}
	return s
}

// queryString renders query_string, sent as a string or as pairs.
func queryString(v any) string {
	switch q := v.(type) {
	case string:
		return strings.TrimPrefix(q, "?")
	case []any:
		var parts []string
		for _, p := range q {
			if kv, ok := p.([]any); ok && len(kv) == 2 {
				parts = append(parts, fmt.Sprintf("%v=%v", kv[0], kv[1]))
			}
		}
		return strings.Join(parts, "&")
	case map[string]any:
		return describeMap(q, nil)
	}
	return ""
}

// describeMap is "k=v k=v", the keys of first in that order, then the
// others sorted.
func describeMap(m map[string]any, first []string) string {
	var parts []string
	for _, k := range first {
		if v, ok := m[k]; ok && v != nil && v != "" {
			parts = append(parts, k+"="+scalar(v))
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(first, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		if m[k] != nil {
			parts = append(parts, k+"="+scalar(m[k]))
		}
	}
	return strings.Join(parts, " ")
}

// scalar renders a JSON value on one line.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		if !strings.ContainsAny(x, " \t\n\"") {
			return x
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprint(x)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// crumb is one breadcrumb, in the shapes SDKs send and the normalized
// event keeps (timestamp as RFC 3339 or epoch seconds).
type crumb struct {
	Timestamp any            `json:"timestamp"`
	Type      string         `json:"type"`
	Category  string         `json:"category"`
	Level     string         `json:"level"`
	Message   string         `json:"message"`
	Data      map[string]any `json:"data"`
}

// String is "15:04:05 level category: message data".
func (c crumb) String() string {
	var b strings.Builder
	if t, ok := crumbTime(c.Timestamp); ok {
		b.WriteString(t.UTC().Format("15:04:05.000"))
	} else {
		b.WriteString("--:--:--.---")
	}
	level := c.Level
	if level == "" {
		level = "info"
	}
	fmt.Fprintf(&b, " %-7s", level)
	label := c.Category
	if label == "" {
		label = c.Type
	}
	if label != "" {
		b.WriteString(" " + label + ":")
	}
	if c.Message != "" {
		b.WriteString(" " + indent(c.Message, "    "))
	}
	data := c.Data
	if c.Category == "console" && c.Message != "" {
		// Console crumbs repeat the message as its arguments.
		data = maps.Clone(data)
		delete(data, "arguments")
		delete(data, "logger")
	}
	if len(data) > 0 {
		b.WriteString(" " + truncate(describeMap(data, []string{"method", "url", "status_code"}), 200))
	}
	return b.String()
}

func crumbTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
			if p, err := time.Parse(layout, t); err == nil {
				return p, true
			}
		}
	case float64:
		sec, frac := math.Modf(t)
		return time.Unix(int64(sec), int64(frac*1e9)), true
	}
	return time.Time{}, false
}

// breadcrumbs returns an event's breadcrumbs, oldest first: from the
// normalized event when it has them, else from the payload as the SDK
// sent them (a list, or {"values": [...]}).
func breadcrumbs(ev *core.Event) []crumb {
	for _, src := range []json.RawMessage{ev.Data, ev.Payload} {
		var holder struct {
			Breadcrumbs json.RawMessage `json:"breadcrumbs"`
		}
		if len(src) == 0 || json.Unmarshal(src, &holder) != nil || len(holder.Breadcrumbs) == 0 {
			continue
		}
		if crumbs, ok := decodeCrumbs(holder.Breadcrumbs); ok {
			return crumbs
		}
	}
	return nil
}

func decodeCrumbs(raw json.RawMessage) ([]crumb, bool) {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		var wrapped struct {
			Values []json.RawMessage `json:"values"`
		}
		if json.Unmarshal(raw, &wrapped) != nil || wrapped.Values == nil {
			return nil, false
		}
		list = wrapped.Values
	}
	out := make([]crumb, 0, len(list))
	for _, item := range list {
		var c crumb
		if json.Unmarshal(item, &c) == nil {
			out = append(out, c)
		}
	}
	return out, true
}

// indent puts pad before every line of s but the first.
func indent(s, pad string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad)
}
