package sentry

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/core"
)

// string returns member i when it is a string; anything else but null is
// recorded as invalid and dropped.
func (n *normalizer) string(field string, i int) string {
	if n.t.isNull(i) {
		return ""
	}
	if s, ok := n.t.str(i); ok {
		return s
	}
	n.invalid(field)
	return ""
}

// scalarField returns member i as a string, stringifying numbers and
// booleans as Relay does; containers are recorded as invalid.
func (n *normalizer) scalarField(field string, i int) string {
	if n.t.isNull(i) {
		return ""
	}
	if s, ok := n.t.scalar(i); ok {
		return s
	}
	n.invalid(field)
	return ""
}

// trimmed cuts s to max characters (ending in "...") and notes it.
func (n *normalizer) trimmed(field, s string, max int) string {
	if out, cut := truncate(s, max, 0); cut {
		n.note("trimmed: " + field)
		return out
	}
	return s
}

// truncate shortens s to max runes, the last three being "...", when it is
// longer than max+allowance runes.
func truncate(s string, max, allowance int) (string, bool) {
	if len(s) <= max+allowance { // bytes ≥ runes: nothing to do
		return s, false
	}
	if utf8.RuneCountInString(s) <= max+allowance {
		return s, false
	}
	keep := max - 3
	for i := range s {
		if keep == 0 {
			return s[:i] + "...", true
		}
		keep--
	}
	return s, false
}

// validPlatforms is Relay's VALID_PLATFORMS.
var validPlatforms = map[string]bool{
	"as3": true, "c": true, "cfml": true, "cocoa": true, "csharp": true, "elixir": true,
	"go": true, "groovy": true, "haskell": true, "java": true, "javascript": true,
	"native": true, "node": true, "objc": true, "other": true, "perl": true, "php": true,
	"python": true, "ruby": true,
}

// normalizePlatform returns p when Relay knows it, else "other".
func normalizePlatform(p string) string {
	if validPlatforms[p] {
		return p
	}
	return "other"
}

// logger validates and shortens the logger name (64 characters; long
// dotted names keep their tail behind a "*").
func (n *normalizer) logger(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		n.invalid("logger")
		return ""
	}
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	tail := string(r[len(r)-(max-1):])
	if i := strings.IndexByte(tail, '.'); i > 0 && i < len(tail)-1 {
		tail = tail[i:]
	}
	n.note("trimmed: logger")
	return "*" + tail
}

// release applies Relay's release-name validation: trimmed; no newlines,
// tabs or slashes; not ".", ".." or "latest"; at most 200 characters.
func (n *normalizer) release(s string) string {
	if s == "" {
		return ""
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "." || s == ".." || strings.EqualFold(s, "latest") ||
		strings.ContainsAny(s, "\r\n\t\x0c\x0b/\\") || utf8.RuneCountInString(s) > 200 {
		n.invalid("release")
		return ""
	}
	return s
}

// dist keeps a trimmed distribution matching [a-zA-Z0-9_.-]{1,64}.
func (n *normalizer) dist(s string) string {
	if s == "" {
		return ""
	}
	s = strings.TrimSpace(s)
	ok := s != "" && len(s) <= 64
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
	}
	if !ok {
		n.invalid("dist")
		return ""
	}
	return s
}

// environment keeps a trimmed name of at most 64 characters without
// newlines or slashes.
func (n *normalizer) environment(s string) string {
	if s == "" {
		return ""
	}
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "\r\n\t/") || utf8.RuneCountInString(s) > 64 {
		n.invalid("environment")
		return ""
	}
	return s
}

// fingerprint coerces a list of strings: numbers and booleans stringified,
// nulls dropped; a non-list or a nested value makes it invalid. An empty
// result is nil (default grouping).
func (n *normalizer) fingerprint(i int) []string {
	t := n.t
	if t.isNull(i) {
		return nil
	}
	if t.kind(i) != jArray {
		n.invalid("fingerprint")
		return nil
	}
	out := make([]string, 0, t.nodes[i].n)
	bad := false
	t.children(i, func(c int) {
		switch t.kind(c) {
		case jNull:
		case jString:
			out = append(out, t.nodes[c].str)
		case jTrue, jFalse:
			s, _ := t.scalar(c)
			out = append(out, s)
		case jNumber:
			if v, ok := t.int(c); ok {
				out = append(out, strconv.Itoa(v))
			} else {
				bad = true
			}
		default:
			bad = true
		}
	})
	if bad {
		n.invalid("fingerprint")
		return nil
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// level maps Relay's level names, aliases and Python logging numbers onto
// the five levels. Missing means error (info for transactions).
func (n *normalizer) level(i int) string {
	def := core.LevelError
	if n.ev.Type == "transaction" {
		def = core.LevelInfo
	}
	t := n.t
	if t.isNull(i) {
		return def
	}
	if t.kind(i) == jNumber {
		v, _ := t.int(i)
		switch v {
		case 10:
			return core.LevelDebug
		case 20:
			return core.LevelInfo
		case 30:
			return core.LevelWarning
		case 40:
			return core.LevelError
		case 50:
			return core.LevelFatal
		}
	} else if s, ok := t.str(i); ok {
		if l := parseLevel(s); l != "" {
			return l
		}
	}
	n.invalid("level")
	return def
}

// parseLevel maps a level name to one of the core levels, "" if unknown.
// It accepts Relay's names and aliases (log, critical), in any case, plus
// the common spellings warn, err and trace, and the Python numbers as text.
func parseLevel(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fatal", "critical", "50":
		return core.LevelFatal
	case "error", "err", "40":
		return core.LevelError
	case "warning", "warn", "30":
		return core.LevelWarning
	case "info", "log", "notice", "20":
		return core.LevelInfo
	case "debug", "trace", "10":
		return core.LevelDebug
	}
	return ""
}

// eventType infers the event type as Relay does.
func (n *normalizer) eventType() string {
	ev := n.ev
	switch n.opts.ItemType {
	case "transaction":
		return "transaction"
	case "feedback":
		return "feedback"
	}
	declared, _ := n.t.str(n.f.typ)
	switch declared {
	case "transaction", "feedback", "nel", "generic":
		if n.opts.ItemType == "" || n.opts.ItemType == "event" {
			if declared == "transaction" {
				break // a transaction must come as a transaction item
			}
			return declared
		}
	}
	switch {
	case len(ev.Exceptions) > 0:
		return "error"
	case ev.CSP != nil:
		return "csp"
	case ev.HPKP != nil:
		return "hpkp"
	case ev.ExpectCT != nil:
		return "expectct"
	case ev.ExpectStaple != nil:
		return "expectstaple"
	}
	return "default"
}

// object returns member i as a map; a non-object is recorded and dropped.
func (n *normalizer) object(field string, i int) map[string]any {
	if n.t.isNull(i) {
		return nil
	}
	if n.t.kind(i) != jObject {
		n.invalid(field)
		return nil
	}
	return n.t.objectMap(i)
}

// contexts keeps object-valued contexts and drops null or scalar ones.
func (n *normalizer) contexts(i int) map[string]any {
	t := n.t
	if t.isNull(i) {
		return nil
	}
	if t.kind(i) != jObject {
		n.invalid("contexts")
		return nil
	}
	m := make(map[string]any, t.nodes[i].n)
	t.children(i, func(c int) {
		switch t.kind(c) {
		case jObject:
			m[t.nodes[c].key] = t.objectMap(c)
		case jNull:
		default:
			n.invalid("contexts." + t.nodes[c].key)
		}
	})
	if len(m) == 0 {
		return nil
	}
	return m
}

// normalizeRequest turns request headers into a map with Title-Case names
// (values of repeated or list-valued headers are joined with ", ").
func (n *normalizer) normalizeRequest() {
	req := n.ev.Request
	if req == nil {
		return
	}
	h, ok := req["headers"]
	if !ok || h == nil {
		return
	}
	out := make(map[string]any)
	add := func(k string, v any) {
		s := headerValue(v)
		if k == "" {
			return
		}
		k = titleCaseHeader(k)
		if prev, ok := out[k].(string); ok && prev != "" {
			s = prev + ", " + s
		}
		out[k] = s
	}
	switch h := h.(type) {
	case map[string]any:
		for k, v := range h {
			add(k, v)
		}
	case []any:
		for _, p := range h {
			if pair, ok := p.([]any); ok && len(pair) == 2 {
				if k, ok := pair[0].(string); ok {
					add(k, pair[1])
				}
			}
		}
	default:
		n.invalid("request.headers")
	}
	req["headers"] = out
}

func headerValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			if s := headerValue(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "True"
		}
		return "False"
	}
	return ""
}

// titleCaseHeader writes a header name as Content-Type, X-Forwarded-For.
func titleCaseHeader(k string) string {
	b := []byte(k)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		} else if !up && c >= 'A' && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
		up = c == '-' || c == '_'
	}
	return string(b)
}

// normalizeUser stringifies user.id, resolves ip_address "{{auto}}" to the
// client IP and falls back to request.env.REMOTE_ADDR.
func (n *normalizer) normalizeUser() {
	ev := n.ev
	if u := ev.User; u != nil {
		switch id := u["id"].(type) {
		case float64:
			u["id"] = strconv.FormatFloat(id, 'f', -1, 64)
		case bool:
			u["id"] = map[bool]string{true: "True", false: "False"}[id]
		}
		if ip, _ := u["ip_address"].(string); ip == "{{auto}}" {
			if n.opts.ClientIP != "" {
				u["ip_address"] = n.opts.ClientIP
			} else {
				delete(u, "ip_address")
			}
		}
	}
	if env, ok := ev.Request["env"].(map[string]any); ok {
		if addr, _ := env["REMOTE_ADDR"].(string); addr != "" {
			if ev.User == nil {
				ev.User = map[string]any{}
			}
			if ip, _ := ev.User["ip_address"].(string); ip == "" {
				ev.User["ip_address"] = addr
			}
		}
	}
}
