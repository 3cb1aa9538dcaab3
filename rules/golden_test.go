package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden files")

const goldenSep = "\n----- expected -----\n"

// goldenInput is the input half of a golden file: an event in Periscope's
// normalized form (core.EventData JSON) and optional project rules.
type goldenInput struct {
	Event            *core.EventData `json:"event"`
	StackRules       string          `json:"stack_rules,omitempty"`
	FingerprintRules string          `json:"fingerprint_rules,omitempty"`
}

// renderVariants is the expected-output format: one block per variant,
// its hash (or "-") and hint, then the component tree.
func renderVariants(vs []Variant) string {
	var b strings.Builder
	for _, v := range vs {
		h := v.Hash
		if h == "" {
			h = "-"
		}
		fmt.Fprintf(&b, "%s: %s", v.Name, h)
		if v.Hint != "" {
			fmt.Fprintf(&b, " (%s)", v.Hint)
		}
		b.WriteByte('\n')
		if len(v.Fingerprint) > 0 {
			fmt.Fprintf(&b, "  fingerprint: %q\n", v.Fingerprint)
		}
		if v.Component != nil {
			writeIndented(&b, v.Component.Format(), "  ")
		}
	}
	return b.String()
}

// TestGolden runs every testdata/golden/*.golden file: the event's
// variants must render exactly as the expected half. go test -update
// rewrites the expected halves.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".golden"), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			in, want, found := bytes.Cut(raw, []byte(goldenSep))
			if !found && !*update {
				t.Fatalf("%s: no %q separator", path, strings.TrimSpace(goldenSep))
			}
			var gi goldenInput
			dec := json.NewDecoder(bytes.NewReader(in))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&gi); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			d := &Defaults{}
			if gi.StackRules != "" {
				if d.Enhancements, err = ParseEnhancements(gi.StackRules); err != nil {
					t.Fatal(err)
				}
			}
			if gi.FingerprintRules != "" {
				if d.FingerprintRules, err = ParseSentryRules(gi.FingerprintRules); err != nil {
					t.Fatal(err)
				}
			}
			vs := d.Variants(gi.Event)
			got := renderVariants(vs)
			g := d.Grouping(gi.Event)
			if p := Primary(vs); g.Hash != p.Hash || len(g.Hash) != 32 || g.Config != ConfigID {
				t.Errorf("grouping %+v disagrees with the primary variant %s", g, p.Hash)
			}
			var comp struct {
				Variant string   `json:"variant"`
				Values  []string `json:"values"`
			}
			if err := json.Unmarshal(g.Components, &comp); err != nil || comp.Variant != Primary(vs).Name || !equalStrings(comp.Values, Primary(vs).Values()) {
				t.Errorf("components %s: %v", g.Components, err)
			}
			for _, v := range vs {
				if v.Component != nil && !json.Valid(v.Component.appendJSON(nil)) {
					t.Errorf("%s: invalid component JSON", v.Name)
				}
			}
			if *update {
				out := append(bytes.TrimRight(in, "\n"), []byte(goldenSep+got)...)
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(want) {
				t.Errorf("variants differ\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}
