package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

// TestDebugInput prints the variants of the corpus input named by
// PERISCOPE_DEBUG_INPUT (a debugging aid; skipped otherwise).
func TestDebugInput(t *testing.T) {
	name := os.Getenv("PERISCOPE_DEBUG_INPUT")
	corpus := sentrytest.CorpusDir()
	if name == "" || corpus == "" {
		t.Skip("set PERISCOPE_DEBUG_INPUT to a grouping input name")
	}
	ev, d := conformanceEvent(t, filepath.Join(corpus, "public", "sentry", "tests", "sentry", "grouping", "grouping_inputs", name))
	for _, v := range d.Variants(ev) {
		fmt.Printf("%s: hash=%s kind=%s hint=%s fp=%q\n", v.Name, v.Hash, v.Kind, v.Hint, v.Fingerprint)
		if v.Component != nil {
			fmt.Print(v.Component.Format())
		}
	}
}
