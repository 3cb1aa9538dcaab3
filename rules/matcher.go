package rules

import (
	"fmt"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// frameMatcher is one "[!]key:value" matcher of a Sentry rule line, with
// the key reduced to its canonical name.
type frameMatcher struct {
	key  string // family, path, module, function, package, app, category, type, value, mechanism, ...
	raw  string // the value as written
	neg  bool
	g    *glob
	fams family
	app  bool
}

var matcherAliases = map[string]string{
	"family":          "family",
	"path":            "path",
	"stack.abs_path":  "path",
	"module":          "module",
	"stack.module":    "module",
	"function":        "function",
	"stack.function":  "function",
	"package":         "package",
	"stack.package":   "package",
	"app":             "app",
	"stack.app":       "app",
	"category":        "category",
	"type":            "type",
	"error.type":      "type",
	"value":           "value",
	"error.value":     "value",
	"mechanism":       "mechanism",
	"error.mechanism": "mechanism",
}

func newFrameMatcher(t token) (*frameMatcher, error) {
	key, ok := matcherAliases[t.key]
	if !ok {
		return nil, colErrf(t.col, "unknown matcher %q", t.key)
	}
	m := &frameMatcher{key: key, raw: t.text, neg: t.neg}
	if err := m.compile(); err != nil {
		return nil, colErrf(t.col, "%v", err)
	}
	return m, nil
}

func (m *frameMatcher) compile() error {
	switch m.key {
	case "family":
		f, ok := parseFamilies(m.raw)
		if !ok {
			return fmt.Errorf("bad family %q (want native, javascript, other or all)", m.raw)
		}
		m.fams = f
	case "app":
		b, ok := parseRuleBool(m.raw)
		if !ok {
			return fmt.Errorf("bad app value %q (want yes or no)", m.raw)
		}
		m.app = b
	case "path", "package":
		m.g = compileGlob(m.raw, true, true)
	case "value", "message":
		m.g = compileGlob(m.raw, false, true)
	case "level":
		m.g = compileGlob(m.raw, false, true)
	default:
		m.g = compileGlob(m.raw, false, false)
	}
	return nil
}

func parseRuleBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "yes", "true", "1":
		return true, true
	case "no", "false", "0":
		return false, true
	}
	return false, false
}

func (m *frameMatcher) exception() bool {
	return m.key == "type" || m.key == "value" || m.key == "mechanism"
}

// matchFrame evaluates a frame matcher (negation applied).
func (m *frameMatcher) matchFrame(f *frameState) bool {
	return m.matchFrameRaw(f) != m.neg
}

func (m *frameMatcher) matchFrameRaw(f *frameState) bool {
	switch m.key {
	case "family":
		return m.fams&f.fam != 0
	case "app":
		return f.inApp == m.app
	case "path":
		return matchPath(m.g, f.path)
	case "package":
		return f.pkg != "" && matchPath(m.g, f.pkg)
	case "module":
		return f.f.Module != "" && m.g.match(f.f.Module)
	case "function":
		fn := f.function()
		return fn != "" && m.g.match(fn)
	case "category":
		return f.category != "" && m.g.match(f.category)
	}
	return false
}

// matchPath matches a normalized (lowercase, '/') path, also trying it with
// a leading '/' when it is relative, so "**/foo/**" matches "foo/x".
func matchPath(g *glob, p string) bool {
	if p == "" {
		return false
	}
	if g.match(p) {
		return true
	}
	return p[0] != '/' && g.match("/"+p)
}

// matchException evaluates an exception matcher (negation applied); with
// no exception only a negated matcher holds.
func (m *frameMatcher) matchException(e *core.Exception) bool {
	if e == nil {
		return m.neg
	}
	var ok bool
	switch m.key {
	case "type":
		ok = e.Type != "" && m.g.match(e.Type)
	case "value":
		ok = e.Value != "" && m.g.match(strings.ToLower(e.Value))
	case "mechanism":
		ok = e.Mechanism != nil && e.Mechanism.Type != "" && m.g.match(e.Mechanism.Type)
	}
	return ok != m.neg
}
