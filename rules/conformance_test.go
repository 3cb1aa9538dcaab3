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
	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

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
// input of the corpus under each grouping configuration and compares each
// expected variant hash, then checks the must / must-not share a group
// pairs. Both configurations must match every expected hash and pair.
func TestSentryConformance(t *testing.T) {
	corpus := sentrytest.NeedCorpus(t, "Sentry grouping conformance")
	for _, tc := range []struct {
		config, file string
		floor        int // expected hashes the corpus holds for this config
	}{
		{ConfigNewstyle2023, "newstyle@2023_01_11", 101},
		{ConfigNewstyle2026, "newstyle@2026_01_20", 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := conformance(t, corpus, tc.config, tc.file)
			summary := fmt.Sprintf("%s: %d/%d hashes match (and %d/%d non-contributing variants agree), %d/%d pairs agree",
				tc.config, r.matched, r.total, r.nullOK, r.nullTotal, r.agree, r.pairs)
			t.Log(summary)
			fmt.Println("sentry conformance:", summary)
			if r.matched < r.total || r.matched < tc.floor || r.nullOK < r.nullTotal || r.agree < r.pairs || r.pairs == 0 {
				t.Errorf("conformance below 100%%: %s", summary)
			}
		})
	}
}

type conformanceResult struct {
	matched, total, nullOK, nullTotal, agree, pairs int
}

func conformance(t *testing.T, corpus, config, name string) conformanceResult {
	base := filepath.Join(corpus, "public", "sentry")
	inputs := filepath.Join(base, "tests", "sentry", "grouping", "grouping_inputs")
	f, err := os.Open(filepath.Join(base, "derived", "expected_variants_"+name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	primary := map[string]string{}
	var r conformanceResult
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var exp expectedInput
		if err := json.Unmarshal(sc.Bytes(), &exp); err != nil {
			t.Fatal(err)
		}
		if exp.InputFile == "" {
			continue // a snapshot whose input the corpus does not hold
		}
		path := filepath.Join(inputs, exp.InputFile)
		if _, err := os.Stat(path); err != nil {
			t.Logf("no input file for %s", exp.InputFile)
			continue
		}
		ev, d := conformanceEvent(t, path)
		d.Config = config
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
		for _, ename := range names {
			want := exp.Variants[ename]
			vname := ename
			// Newer snapshots split custom_fingerprint by where the
			// fingerprint came from; the hash is the same (§7.1).
			if ename == "custom_client_fingerprint" || ename == "custom_server_fingerprint" {
				vname = VariantCustom
			}
			if want.Hash == nil {
				r.nullTotal++
				if got[vname] == "" {
					r.nullOK++
				} else {
					t.Logf("mismatch: %s %s: got %s, want no hash", exp.InputFile, vname, got[vname])
				}
				continue
			}
			r.total++
			if got[vname] == *want.Hash {
				r.matched++
			} else {
				t.Logf("mismatch: %s %s: got %q, want %s", exp.InputFile, vname, got[vname], *want.Hash)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open(filepath.Join(base, "derived", "pairwise_"+name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
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
		r.pairs++
		if (a == b) == (p.Relation == "must_share_group") {
			r.agree++
		} else {
			t.Errorf("pair %s / %s: %s, but primary hashes are %s and %s", p.A, p.B, p.Relation, a, b)
		}
	}
	return r
}
