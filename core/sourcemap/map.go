package sourcemap

import (
	"fmt"
	"regexp"
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

var declRe = regexp.MustCompile(`function\*?\s*([A-Za-z_$][\w$]*)\s*\(|([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)`)

// declarations finds the function declarations of a minified file.
func declarations(src string) map[string][]pos {
	out := map[string][]pos{}
	line, lineStart, scanned := 1, 0, 0
	for _, loc := range declRe.FindAllStringSubmatchIndex(src, -1) {
		s, e := loc[2], loc[3]
		if s < 0 {
			s, e = loc[4], loc[5]
		}
		for i := scanned; i < s; i++ {
			if src[i] == '\n' {
				line, lineStart = line+1, i+1
			}
		}
		scanned = s
		name := src[s:e]
		out[name] = append(out[name], pos{line, s - lineStart})
	}
	return out
}

// Location is where a minified position came from.
type Location struct {
	Source string // as the map names it ("../src/app.js")
	Name   string // the original name at the position, or ""
	Line   int    // 1-based
	Column int    // 1-based
}

// Lookup maps a 1-based line and column of the minified file.
func (m *Map) Lookup(line, col int) (Location, bool) {
	if col < 1 {
		col = 1
	}
	src, name, l, c, ok := m.c.Source(line, col-1)
	if !ok || src == "" {
		return Location{}, false
	}
	return Location{Source: src, Name: name, Line: l, Column: c + 1}, true
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
	_, name, _, _, ok := m.c.Source(d.line, d.col)
	if !ok {
		return ""
	}
	return name
}

// Context returns the source line (1-based) of source and up to n lines
// before and after it, from the map's sourcesContent; ok is false when
// the map holds no content for source or the line is beyond it.
func (m *Map) Context(source string, line, n int) (pre []string, ctx string, post []string, ok bool) {
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
		return nil, "", nil, false
	}
	i := line - 1
	pre = append([]string(nil), lines[max(0, i-n):i]...)
	post = append([]string(nil), lines[i+1:min(len(lines), i+1+n)]...)
	return pre, lines[i], post, true
}
