package rules

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// corpusDir finds ../shared/corpus relative to the repository root (the
// directory holding go.mod), or "" when it is absent.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	// PERISCOPE_CORPUS names the corpus directly, for checkouts (such as
	// git worktrees) that do not sit beside shared/.
	if c := os.Getenv("PERISCOPE_CORPUS"); c != "" {
		return c
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
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

type expectedVariant struct {
	Hash        *string `json:"hash"`
	Contributes *bool   `json:"contributes"`
	Hint        string  `json:"hint"`
}

type expectedInput struct {
	InputFile string                     `json:"input_file"`
	Variants  map[string]expectedVariant `json:"variants"`
}

type pairCase struct {
	A        string `json:"a"`
	B        string `json:"b"`
	Relation string `json:"relation"`
}

// conformanceEvent loads one Sentry grouping input: the per-test project
// rules it carries, then the event through sentry.Normalize.
func conformanceEvent(tb testing.TB, path string) (*core.EventData, *Defaults) {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var meta struct {
		Grouping struct {
			Enhancements string `json:"enhancements"`
		} `json:"_grouping"`
		Fingerprinting []struct {
			Matchers    [][2]string `json:"matchers"`
			Fingerprint []string    `json:"fingerprint"`
			Attributes  struct {
				Title string `json:"title"`
			} `json:"attributes"`
		} `json:"_fingerprinting_rules"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	d := &Defaults{}
	if meta.Grouping.Enhancements != "" {
		e, err := ParseEnhancements(meta.Grouping.Enhancements)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		d.Enhancements = e
	}
	if len(meta.Fingerprinting) > 0 {
		var lines []string
		for _, r := range meta.Fingerprinting {
			var b strings.Builder
			for _, m := range r.Matchers {
				fmt.Fprintf(&b, "%s:%s ", m[0], quoteRuleValue(m[1]))
			}
			b.WriteString("->")
			for _, p := range r.Fingerprint {
				b.WriteString(" " + quoteRuleValue(p))
			}
			if r.Attributes.Title != "" {
				b.WriteString(" title=" + quoteRuleValue(r.Attributes.Title))
			}
			lines = append(lines, b.String())
		}
		rs, err := ParseSentryRules(strings.Join(lines, "\n"))
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		d.FingerprintRules = rs
	}
	ev, err := sentry.Normalize(raw, sentry.NormalizeOptions{Received: time.Unix(1700000000, 0)})
	if err != nil {
		tb.Fatalf("%s: normalize: %v", path, err)
	}
	return ev, d
}

func quoteRuleValue(s string) string {
	if _, ok := parseVar(s); ok {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestSentryConformance computes the variants of every Sentry grouping
// input of the corpus and compares each expected variant hash, then checks
// the must / must-not share a group pairs.
func TestSentryConformance(t *testing.T) {
	corpus := corpusDir(t)
	if corpus == "" {
		t.Skip("SKIPPING Sentry grouping conformance: ../shared/corpus not found next to the repository")
	}
	base := filepath.Join(corpus, "public", "sentry")
	inputs := filepath.Join(base, "tests", "sentry", "grouping", "grouping_inputs")
	f, err := os.Open(filepath.Join(base, "derived", "expected_variants_newstyle@2023_01_11.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	primary := map[string]string{}
	total, matched, nullOK, nullTotal := 0, 0, 0, 0
	var misses []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var exp expectedInput
		if err := json.Unmarshal(sc.Bytes(), &exp); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(inputs, exp.InputFile)
		if _, err := os.Stat(path); err != nil {
			t.Logf("no input file for %s", exp.InputFile)
			continue
		}
		ev, d := conformanceEvent(t, path)
		vs := d.Variants(ev)
		got := map[string]string{}
		for _, v := range vs {
			got[v.Name] = v.Hash
		}
		if p := Primary(vs); p != nil {
			primary[exp.InputFile] = p.Hash
		}
		names := make([]string, 0, len(exp.Variants))
		for n := range exp.Variants {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			want := exp.Variants[name]
			if want.Hash == nil {
				nullTotal++
				if got[name] == "" {
					nullOK++
				} else {
					misses = append(misses, fmt.Sprintf("%s %s: got %s, want no hash", exp.InputFile, name, got[name]))
				}
				continue
			}
			total++
			if got[name] == *want.Hash {
				matched++
			} else {
				misses = append(misses, fmt.Sprintf("%s %s: got %q, want %s", exp.InputFile, name, got[name], *want.Hash))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, m := range misses {
		t.Log("mismatch: " + m)
	}
	summary := fmt.Sprintf("%d/%d hashes match (and %d/%d non-contributing variants agree)", matched, total, nullOK, nullTotal)
	t.Log(summary)
	fmt.Println("sentry conformance:", summary)

	pf, err := os.Open(filepath.Join(base, "derived", "pairwise_newstyle@2023_01_11.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	pairs, agree := 0, 0
	ps := bufio.NewScanner(pf)
	for ps.Scan() {
		var p pairCase
		if err := json.Unmarshal(ps.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		a, okA := primary[p.A]
		b, okB := primary[p.B]
		if !okA || !okB {
			continue
		}
		pairs++
		same := a == b
		if same == (p.Relation == "must_share_group") {
			agree++
		} else {
			t.Errorf("pair %s / %s: %s, but primary hashes are %s and %s", p.A, p.B, p.Relation, a, b)
		}
	}
	msg := fmt.Sprintf("%d/%d pairs agree", agree, pairs)
	t.Log(msg)
	fmt.Println("sentry conformance:", msg)
	if matched < total {
		t.Logf("%d expected hashes differ (listed above)", total-matched)
	}
	// Every expected hash is reached; fail on any regression.
	if matched < conformanceFloor || nullOK < nullTotal {
		t.Errorf("conformance regressed: %d/%d hashes (floor %d), %d/%d non-contributing", matched, total, conformanceFloor, nullOK, nullTotal)
	}
}

const conformanceFloor = 101
