package rules

import (
	"regexp"
	"strings"
)

// Hints, as Sentry words them where it matters for "why grouped?".
const (
	hintModulePrecedence = "module takes precedence"
	hintURLFrame         = "ignored because frame points to a URL"
)

var (
	javaEnhancerRe  = regexp.MustCompile(`(\$\$[A-Za-z0-9_]+?\$\$)[a-fA-F0-9]+(?:_[0-9]+)?`)
	javaHibernateRe = regexp.MustCompile(`(\$HibernateProxy\$)[A-Za-z0-9_]+`)
	javassistRe     = regexp.MustCompile(`(\$\$_javassist)(?:_seam)?(?:_[0-9]+)?`)
	clojureFnRe     = regexp.MustCompile(`(\$fn__)[0-9]+`)
	javaGeneratedRe = regexp.MustCompile(`^((?:sun|jdk\.internal)\.reflect\.Generated[A-Za-z]*Accessor)[0-9]+$`)
	rubyErbRe       = regexp.MustCompile(`__[0-9]{4,}_[0-9]{4,}$`)
)

// frameParts computes the module, filename, function and context-line
// components of one frame (nil entries are absent), shared by the app and
// system variants.
func frameParts(f *frameState, a *compAlloc) []*Component {
	parts := a.slice(4)
	module := moduleComponent(f, a)
	filename := filenameComponent(f, a)
	if module.Contributes() && filename.Contributes() {
		filename.disable(hintModulePrecedence)
	}
	var ctx *Component
	if contextLinePlatform(f.platform) {
		ctx = contextLineComponent(f, a)
	}
	function := functionComponent(f, ctx.Contributes(), a)
	for _, c := range [...]*Component{module, filename, function, ctx} {
		if c != nil {
			parts = append(parts, c)
		}
	}
	return parts
}

func moduleComponent(f *frameState, a *compAlloc) *Component {
	mod := f.f.Module
	if mod == "" {
		return nil
	}
	c := a.leaf("module", mod)
	switch {
	case f.fam == famJS:
		if strings.Contains(mod, "/") && f.absPath != "" && strings.HasSuffix(f.absPath, mod) {
			c.disable("ignored bad javascript module")
		}
	case f.platform == "java":
		if strings.Contains(mod, "$$Lambda$") {
			c.disable("ignored java lambda")
			return c
		}
		if m := javaGeneratedRe.FindStringSubmatch(mod); m != nil {
			if strings.HasSuffix(m[1], ".GeneratedMethodAccessor") {
				c.Leaves[0] = m[1]
			} else {
				c.Leaves[0] = m[1] + "<auto>"
			}
			c.Hint = "removed reflection marker"
			return c
		}
		old := mod
		if strings.Contains(mod, "$") {
			mod = javaEnhancerRe.ReplaceAllString(mod, "${1}<auto>")
			mod = javaHibernateRe.ReplaceAllString(mod, "${1}<auto>")
			mod = javassistRe.ReplaceAllString(mod, "${1}<auto>")
			mod = clojureFnRe.ReplaceAllString(mod, "${1}<auto>")
		}
		if mod != old {
			c.Leaves[0], c.Hint = mod, "removed codegen marker"
		}
	}
	return c
}

func filenameComponent(f *frameState, a *compAlloc) *Component {
	if f.filename == "" {
		return nil
	}
	name := f.filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToLower(name)
	c := a.leaf("filename", name)
	switch {
	case hasURLOrigin(f.absPath):
		c.disable(hintURLFrame)
	case name == "<anonymous>":
		c.disable("anonymous filename discarded")
	case name == "[native code]":
		c.disable("native code indicated by filename")
	case f.platform == "java" && strings.Contains(name, "$$_javassist"):
		c.Leaves[0], c.Hint = javassistRe.ReplaceAllString(name, "${1}<auto>"), "cleaned javassist parts"
	}
	return c
}

// hasURLOrigin reports whether a path is a web URL (file: URLs are not:
// they name local files, as browsers opening a page from disk report).
func hasURLOrigin(p string) bool {
	return strings.HasPrefix(p, "http:") || strings.HasPrefix(p, "https:") ||
		strings.HasPrefix(p, "applewebdata:") || strings.HasPrefix(p, "blob:")
}

func functionComponent(f *frameState, ctxContributes bool, a *compAlloc) *Component {
	var fn string
	if f.platform == "csharp" {
		fn = firstNonEmpty(f.f.RawFunction, f.fn)
	} else {
		fn = firstNonEmpty(f.fn, f.f.RawFunction)
	}
	if fn == "" {
		return nil
	}
	c := a.leaf("function", fn)
	switch {
	case f.platform == "ruby":
		if strings.HasPrefix(fn, "block ") {
			c.Leaves[0], c.Hint = "block", "ruby block"
		} else if s := rubyErbRe.ReplaceAllString(fn, ""); s != fn {
			c.Leaves[0], c.Hint = s, "removed generated erb template suffix"
		}
	case f.platform == "php":
		if i := strings.LastIndex(fn, "::"); i >= 0 && strings.HasPrefix(fn, "class@anonymous") {
			c.Leaves[0], c.Hint = fn[i+2:], "anonymous class method"
		} else if strings.HasPrefix(fn, "[Anonymous") || strings.HasPrefix(fn, "class@anonymous\x00") {
			c.disable("ignored anonymous function")
		}
	case f.platform == "java":
		if strings.HasPrefix(fn, "lambda$") {
			c.disable("ignored java lambda")
		}
	case f.fam == famNative:
		if fn == "<redacted>" || fn == "<unknown>" {
			c.disable("ignored unknown function")
		} else if t := trimFunctionName(fn, true); t != fn {
			c.Leaves[0], c.Hint = t, "isolated function"
		}
	case f.fam == famJS:
		if i := strings.LastIndexByte(fn, '.'); i >= 0 {
			c.Leaves[0], c.Hint = fn[i+1:], "trimmed javascript function"
		}
		short := c.Leaves[0]
		switch {
		case short == "":
			c.Disabled = true
		case short == "?" || short == "<anonymous function>" || short == "<anonymous>" ||
			short == "Anonymous function" || strings.HasSuffix(short, "/<"):
			c.disable("ignored unknown function name")
		}
		if _, ok := f.f.Data["sourcemap"]; ok && ctxContributes && !c.Disabled {
			c.disable("ignored because sourcemap used and context line available")
		}
	}
	return c
}

func contextLineComponent(f *frameState, a *compAlloc) *Component {
	if f.f.ContextLine == nil {
		return nil
	}
	raw := *f.f.ContextLine
	if f.contextLine != "" {
		raw = f.contextLine
	}
	line := strings.Join(strings.Fields(expandTabs(raw, 2)), " ")
	if line == "" {
		return nil
	}
	c := a.leaf("context-line", line)
	switch {
	case len([]rune(raw)) > 120:
		c.disable("discarded because line too long")
	case f.fam == famJS && f.fn == "" && (hasURLOrigin(f.absPath) || strings.HasPrefix(f.absPath, "file:")):
		c.disable("discarded because from URL origin")
	}
	return c
}

// expandTabs mimics Python's str.expandtabs(n).
func expandTabs(s string, n int) string {
	if strings.IndexByte(s, '\t') < 0 {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			sp := n - col%n
			b.WriteString(strings.Repeat(" ", sp))
			col += sp
		case '\n', '\r':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// lowQualityJSFrame reports frames Sentry drops from JavaScript stacks:
// eval frames and frames from native or anonymous code.
func lowQualityJSFrame(f *frameState) bool {
	fn := firstNonEmpty(f.f.RawFunction, f.fn)
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		fn = fn[i+1:]
	}
	if fn == "eval" {
		return true
	}
	switch f.absPath {
	case "[native code]", "native code", "eval code", "<anonymous>":
		return true
	}
	return false
}
