package sentrytest

import (
	"os"
	"path/filepath"
	"testing"
)

// CorpusDir returns the corpus directory: $PERISCOPE_CORPUS when set (for
// checkouts, such as git worktrees, that do not sit beside shared/), else
// ../shared/corpus relative to the repository root, the first directory
// holding go.mod above the working directory. It returns "" when neither
// is there.
func CorpusDir() string {
	if c := os.Getenv("PERISCOPE_CORPUS"); c != "" {
		return c
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(c); err != nil {
		return ""
	}
	return c
}

// NeedCorpus returns CorpusDir, or skips tb loudly, naming what is skipped,
// when there is no corpus.
func NeedCorpus(tb testing.TB, what string) string {
	tb.Helper()
	c := CorpusDir()
	if c == "" {
		tb.Skipf("SKIPPING %s: the conformance corpus is absent (../shared/corpus beside the repository, or set PERISCOPE_CORPUS)", what)
	}
	return c
}
