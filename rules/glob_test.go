package rules

import "testing"

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
