package rules

import (
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pat, in    string
		path, fold bool
		want       bool
	}{
		{"java.*", "java.util.List", false, false, true},
		{"java.*", "javax.crypto", false, false, false},
		{"*connect*", "db.connect_pool", false, false, true},
		{"Foo?ar", "FooBar", false, false, true},
		{"[abc]x", "bx", false, false, true},
		{"[!abc]x", "bx", false, false, false},
		{"@babel/**", "@babel/runtime/helpers/x", false, false, true},
		{"**/go/pkg/mod/**", "/go/pkg/mod/github.com/a/b@v1/x.go", true, true, true},
		{"**/node_modules/**", "node_modules/pg/client.js", true, true, true},
		{"/usr/lib/*", "/usr/lib/system/libc.dylib", true, true, false},
		{"/usr/lib/**", "/usr/lib/system/libc.dylib", true, true, true},
		{"**/*newrelic*/**", "/app/node_modules/newrelic/lib/x.js", true, true, true},
		{"**/*newrelic*/**", "/app/lib/x.js", true, true, false},
		{"C:/Windows/**", `c:\windows\system32\ntdll.dll`, true, true, true},
		{"*rate limit*", "api rate limit exceeded", false, true, true},
	} {
		g := compileGlob(tc.pat, tc.path, tc.fold)
		in := g.prepare(tc.in)
		got := g.match(in)
		if tc.path {
			got = matchPath(g, in)
		}
		if got != tc.want {
			t.Errorf("glob %q (path=%v) on %q = %v, want %v", tc.pat, tc.path, tc.in, got, tc.want)
		}
	}
}

// TestGlobEdges pins the corners of the glob language: classes, escapes,
// "**/" spanning zero directories, '?' and '*' stopping at '/' in path
// mode, and characters that mean something to a regular expression.
func TestGlobEdges(t *testing.T) {
	for _, tc := range []struct {
		pat, in string
		path    bool
		want    bool
	}{
		{"**/foo.js", "/foo.js", true, true},
		{"/a/**/b.js", "/a/b.js", true, true},
		{"/a/**/b.js", "/a/x/y/b.js", true, true},
		{"/a/*/b.js", "/a/x/y/b.js", true, false},
		{"/a/?/b.js", "/a/x/b.js", true, true},
		{"/a?b", "/a/b", true, false},
		{"a?b", "a/b", false, true},
		{"a*b", "a/x/b", false, true},
		{"[a-c]x*", "bxyz", false, true},
		{"[a-c]x*", "dxyz", false, false},
		{"[^a-c]x*", "dxyz", false, true},
		{"[c-a]x*", "bxyz", false, false},
		{"[]x*", "]xyz", false, false},
		{"x[*", "x[yz", false, true},
		{"x[*", "xyz", false, false},
		{`a\*b*`, "a*bc", false, true},
		{`a\*b*`, "axbc", false, false},
		{"a.b*", "axbc", false, false},
		{"a.b*", "a.bc", false, true},
		{"(x)+*", "(x)+y", false, true},
		{"*é?", "café!", false, true},
		{"?é*", "cé", false, true},
		{"[é]*x", "éx", false, true},
		{"*\n*x", "a\nbx", false, true},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200), false, false},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200) + "b", false, true},
	} {
		g := compileGlob(tc.pat, tc.path, false)
		if got := g.match(g.prepare(tc.in)); got != tc.want {
			t.Errorf("glob %q (path=%v) on %q = %v, want %v", tc.pat, tc.path, tc.in, got, tc.want)
		}
	}
}
