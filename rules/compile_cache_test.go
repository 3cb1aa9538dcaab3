package rules

import (
	"fmt"
	"testing"
)

// TestPatternCachesBounded feeds more distinct patterns than the caches
// hold, as events with ever-new values would, and checks the caches stay at
// their bound while still answering correctly.
func TestPatternCachesBounded(t *testing.T) {
	for i := 0; i < patternCacheSize+500; i++ {
		p := fmt.Sprintf("x%d*", i)
		if !cachedGlob(p, false).match(fmt.Sprintf("x%dy", i)) {
			t.Fatalf("glob %q does not match", p)
		}
		cachedPathGlob("**/" + p)
		if _, err := cachedRegexp(fmt.Sprintf("^x%d$", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := globCache.Len(); n > patternCacheSize {
		t.Errorf("glob cache holds %d entries, want at most %d", n, patternCacheSize)
	}
	if n := regexpCache.Len(); n > patternCacheSize {
		t.Errorf("regexp cache holds %d entries, want at most %d", n, patternCacheSize)
	}
	// A bad expression is reported every time, cached or not.
	for i := 0; i < 2; i++ {
		if _, err := cachedRegexp("(["); err == nil {
			t.Fatal("want an error for an invalid regular expression")
		}
	}
}
