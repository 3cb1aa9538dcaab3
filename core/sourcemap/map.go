package sourcemap

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	gosm "github.com/go-sourcemap/sourcemap"
)

// Map is one parsed source map, with the index of function declarations
// of its minified file when that file is known. It is safe for
// concurrent use.
type Map struct {
	c *gosm.Consumer

	mu    sync.Mutex
	lines map[string][]string // split sourcesContent, by source, filled on demand

	decls map[string][]pos // minified function name → declarations, in order
	names sync.Map         // pos of a declaration → its original name
}

// pos is a position in the minified file: line 1-based, column 0-based.
type pos struct{ line, col int }

func (p pos) before(q pos) bool { return p.line < q.line || (p.line == q.line && p.col <= q.col) }

// Parse parses a source map; minified, when not nil, is the generated file
// it maps (for function names). An error says why the map is unusable.
func Parse(data, minified []byte) (*Map, error) {
	c, err := gosm.Parse("", data)
	if err != nil {
		return nil, fmt.Errorf("invalid source map: %w", err)
	}
	m := &Map{c: c, lines: map[string][]string{}}
	if minified != nil {
		m.decls = declarations(string(minified))
	}
	return m, nil
}

// Check reports whether data is a source map Parse accepts.
func Check(data []byte) error {
	_, err := gosm.Parse("", data)
	if err != nil {
		return fmt.Errorf("invalid source map: %w", err)
	}
	return nil
}

// declarations finds the function declarations of a minified file: the
// name after "function" (or "function*"), and a name assigned a function
// or an arrow function ("n=function", "n=async", "n=(a,b)=>", "n=a=>").
// One pass over the bytes; no JavaScript parser, so a declaration inside
// a string may be found too, which only matters if a frame's minified
// function has that name and no real declaration comes later.
func declarations(src string) map[string][]pos {
	out := map[string][]pos{}
	line, lineStart := 1, 0
	for i := 0; i < len(src); {
		c := src[i]
		if c == '\n' {
			line, lineStart = line+1, i+1
			i++
			continue
		}
		if !identStart(c) || (i > 0 && identPart(src[i-1])) {
			i++
			continue
		}
		j := i + 1
		for j < len(src) && identPart(src[j]) {
			j++
		}
		word := src[i:j]
		if word == "function" {
			k := skipSpace(src, j)
			if k < len(src) && src[k] == '*' {
				k = skipSpace(src, k+1)
			}
			if k < len(src) && identStart(src[k]) {
				e := k + 1
				for e < len(src) && identPart(src[e]) {
					e++
				}
				out[src[k:e]] = append(out[src[k:e]], pos{line, k - lineStart})
			}
		} else if k := skipSpace(src, j); k+1 < len(src) && src[k] == '=' && src[k+1] != '=' && src[k+1] != '>' && assignsFunction(src, skipSpace(src, k+1)) {
			out[word] = append(out[word], pos{line, i - lineStart})
		}
		i = j
	}
	return out
}

// assignsFunction reports whether src at k starts a function expression.
func assignsFunction(src string, k int) bool {
	rest := src[k:]
	switch {
	case strings.HasPrefix(rest, "function") || strings.HasPrefix(rest, "async"):
		return true
	case strings.HasPrefix(rest, "("):
		e := strings.IndexByte(rest, ')')
		if e < 0 || e > 200 || strings.IndexByte(rest[1:e], '(') >= 0 {
			return false
		}
		return strings.HasPrefix(rest[skipSpace(rest, e+1):], "=>")
	case len(rest) > 0 && identStart(rest[0]):
		e := 1
		for e < len(rest) && identPart(rest[e]) {
			e++
		}
		return strings.HasPrefix(rest[skipSpace(rest, e):], "=>")
	}
	return false
}

func identStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func identPart(c byte) bool { return identStart(c) || (c >= '0' && c <= '9') }

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// Location is where a minified position came from.
type Location struct {
	Source string // as the map names it ("../src/app.js")
	Name   string // the original name at the position, or ""
	Line   int    // 1-based
	Column int    // 1-based
}

// Lookup maps a 1-based line and column of the minified file.
func (m *Map) Lookup(line, col int) (loc Location, ok bool) {
	if col < 1 {
		col = 1
	}
	src, name, l, c, ok := m.source(line, col-1)
	if !ok || src == "" {
		return Location{}, false
	}
	return Location{Source: src, Name: name, Line: l, Column: c + 1}, true
}

// source is the library's lookup, which indexes the map's sources and
// names with the indexes its mappings hold: a map whose mappings name a
// source or name it lacks makes it panic, and that position is unknown.
func (m *Map) source(line, col int) (src, name string, l, c int, ok bool) {
	defer func() {
		if recover() != nil {
			src, name, l, c, ok = "", "", 0, 0, false
		}
	}()
	return m.c.Source(line, col)
}

// FunctionName returns the original name of the minified function fn
// whose body holds the position (1-based line and column), from its
// declaration; "" when unknown.
func (m *Map) FunctionName(fn string, line, col int) string {
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		fn = fn[i+1:]
	}
	ds := m.decls[fn]
	at := pos{line, col - 1}
	i := sort.Search(len(ds), func(i int) bool { return !ds[i].before(at) })
	if i == 0 {
		return ""
	}
	d := ds[i-1]
	if v, ok := m.names.Load(d); ok {
		return v.(string)
	}
	_, name, _, _, _ := m.source(d.line, d.col)
	m.names.Store(d, name)
	return name
}

// Context returns the source line (1-based) of source and up to n lines
// before and after it, from the map's sourcesContent; ok is false when
// the map holds no content for source or the line is beyond it. The
// answers point into the map's cached lines: callers must not change
// them.
func (m *Map) Context(source string, line, n int) (pre []string, ctx *string, post []string, ok bool) {
	m.mu.Lock()
	lines, seen := m.lines[source]
	if !seen {
		if content := m.c.SourceContent(source); content != "" {
			lines = strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")
		}
		m.lines[source] = lines
	}
	m.mu.Unlock()
	if line < 1 || line > len(lines) {
		return nil, nil, nil, false
	}
	i := line - 1
	// The slices share the cached lines (capacity cut, so an append
	// copies): callers must not change their elements.
	lo, hi := max(0, i-n), min(len(lines), i+1+n)
	return lines[lo:i:i], &lines[i], lines[i+1 : hi : hi], true
}
