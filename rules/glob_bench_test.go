package rules

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkGlobHostile matches a pattern that makes a backtracking matcher
// exponential against function names of growing length that almost match.
// A linear matcher's ns/op grows in proportion to the length.
func BenchmarkGlobHostile(b *testing.B) {
	for _, tc := range []struct {
		name string
		path bool
		pat  string
	}{
		{"plain", false, "*a*a*a*a*a*b"},
		{"path", true, "**a**a**a**a**a**b"},
	} {
		for _, n := range []int{100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/len=%d", tc.name, n), func(b *testing.B) {
				g := compileGlob(tc.pat, tc.path, false)
				in := strings.Repeat("a", n)
				b.SetBytes(int64(n))
				for i := 0; i < b.N; i++ {
					if g.match(in) {
						b.Fatal("matched")
					}
				}
			})
		}
	}
}
