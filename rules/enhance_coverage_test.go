package rules

import (
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

// enhBlock is one block of the built-in rules file: the rules under one
// comment paragraph, named by the paragraph's first line.
type enhBlock struct {
	line  int    // line of the heading comment
	title string // the heading comment's first line
	rules []int  // lines of the rules in the block
}

// enhBlocks splits the built-in rules text into blocks: a comment line
// after a rule or a blank line starts a new block.
func enhBlocks(text string) []*enhBlock {
	var out []*enhBlock
	var cur *enhBlock
	prevRule := true
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
			prevRule = true
		case strings.HasPrefix(l, "#"):
			if prevRule && !strings.HasPrefix(l, "# ---") {
				cur = &enhBlock{line: i + 1, title: strings.TrimSpace(strings.TrimPrefix(l, "#"))}
				out = append(out, cur)
			}
			prevRule = false
		default:
			prevRule = true
			if cur != nil {
				cur.rules = append(cur.rules, i+1)
			}
		}
	}
	return out
}

// builtinRuleHits groups every Sentry grouping input of the corpus with
// the built-in rules and returns, per line of the rules file, how many
// frames the rule on that line matched.
func builtinRuleHits(t *testing.T, cfg *groupingConfig) map[int]int {
	t.Helper()
	corpus := sentrytest.NeedCorpus(t, "built-in rule coverage")
	builtin := map[*enhRule]bool{}
	for _, r := range cfg.base.rules {
		builtin[r] = true
	}
	var mu sync.Mutex
	hits := map[int]int{}
	trace := func(r *enhRule) {
		if builtin[r] {
			mu.Lock()
			hits[r.line]++
			mu.Unlock()
		}
	}
	enhTrace.Store(&trace)
	defer enhTrace.Store(nil)
	dir := filepath.Join(corpus, "public", "sentry", "tests", "sentry", "grouping", "grouping_inputs")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no grouping inputs in %s (%v)", dir, err)
	}
	for _, f := range files {
		ev, d := conformanceEvent(t, f)
		d.Config = cfg.id
		d.Variants(ev)
	}
	return hits
}

// TestBuiltinRuleBlocksExercised fails when a block of a built-in rules
// file (enhancements.txt for newstyle:2023-01-11, enhancements2026.txt for
// newstyle:2026-01-20) matches no frame of any event of Sentry's grouping
// corpus grouped with that configuration, unless the block is listed in
// unexercisedBlocks with the reason the corpus cannot reach it. A listed
// block that the corpus does reach fails too, so the list stays true.
func TestBuiltinRuleBlocksExercised(t *testing.T) {
	unexercised2026 := map[string]string{
		"A Python multiprocessing child starts in a made-up \"<module>\" frame that": "" +
			"no input is a spawned Python child; TestMultiprocessingChild covers it",
	}
	for title, why := range unexercisedBlocks {
		unexercised2026[title] = why
	}
	for _, tc := range []struct {
		cfg    *groupingConfig
		text   string
		listed map[string]string
	}{{config2023, builtinEnhancementsText, unexercisedBlocks}, {config2026, enhancements2026Text, unexercised2026}} {
		t.Run(tc.cfg.id, func(t *testing.T) { checkBlocks(t, tc.cfg, tc.text, tc.listed) })
	}
}

func checkBlocks(t *testing.T, cfg *groupingConfig, text string, unexercisedBlocks map[string]string) {
	hits := builtinRuleHits(t, cfg)
	missing := 0
	seen := map[string]bool{}
	for _, b := range enhBlocks(text) {
		if len(b.rules) == 0 {
			continue
		}
		n := 0
		for _, l := range b.rules {
			n += hits[l]
		}
		_, listed := unexercisedBlocks[b.title]
		seen[b.title] = true
		switch {
		case n == 0 && !listed:
			missing++
			t.Errorf("line %d: block %q (%d rules) matches no frame of the corpus", b.line, b.title, len(b.rules))
		case n > 0 && listed:
			t.Errorf("line %d: block %q is listed as unexercised but matched %d frames", b.line, b.title, n)
		case n > 0:
			t.Logf("line %d: block %q: %d frame matches", b.line, b.title, n)
		}
	}
	var stale []string
	for title := range unexercisedBlocks {
		if !seen[title] {
			stale = append(stale, title)
		}
	}
	sort.Strings(stale)
	for _, s := range stale {
		t.Errorf("unexercisedBlocks names %q, which is no block of the rules file", s)
	}
	if missing > 0 {
		t.Logf("%d blocks unexercised; add a corpus event or list the block with its reason", missing)
	}
}

// unexercisedBlocks are the blocks of rules/enhancements.txt that no event
// of Sentry's grouping corpus reaches, with the reason.
var unexercisedBlocks = map[string]string{
	"Unreal Engine assertion and capture helpers: the caller is the culprit.": "" +
		"the corpus holds no Unreal Engine crash (no FDebug:: or USentrySubsystem:: frame)",
	"C++ and Objective-C throw sites: what happens after them is not the bug.": "" +
		"the native inputs are signal crashes; none has a __cxa_throw, _CxxThrowException, " +
		"__assert_rtn or _NSRaiseError frame",
	"malloc":                    "no native input crashes inside an allocator (no malloc or libsystem_malloc frame)",
	"Other vendors' telemetry.": "no input has a New Relic or LogRocket frame",
}
