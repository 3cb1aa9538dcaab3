package rules

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func loadGolden(tb testing.TB, name string) goldenInput {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "golden", name+".golden"))
	if err != nil {
		tb.Fatal(err)
	}
	in, _, _ := bytes.Cut(raw, []byte(goldenSep))
	var gi goldenInput
	if err := json.Unmarshal(in, &gi); err != nil {
		tb.Fatal(err)
	}
	return gi
}

// TestHandComputedHashes checks variant hashes computed by hand from the
// rule of §7.3 (md5 of the contributing values concatenated without
// separator), independently of the golden outputs.
func TestHandComputedHashes(t *testing.T) {
	for _, tc := range []struct {
		golden, variant string
		values          []string
		want            string
	}{
		// The module-cache frame is not in-app (built-in rule), so the app
		// variant hashes the two application frames then the type.
		{"go-module-cache", "app", []string{"github.com/acme/billing/jobs", "(*Invoicer).Run", "github.com/acme/billing/store", "Open.func1", "*net.OpError"}, "8a96f9c3f3a0abd353faa88bd88d9bbb"},
		{"go-module-cache", "system", []string{"github.com/go-co-op/gocron/v2", "(*executor).runJob", "github.com/acme/billing/jobs", "(*Invoicer).Run", "github.com/acme/billing/store", "Open.func1", "*net.OpError"}, "74963f2b89ba4628520b0daa33f36786"},
		// A log message groups by its template.
		{"message-template", "default", []string{"User %s not found in %s"}, "042e2a3407de7d015750c7f7d7c7982b"},
		// Two non-blank lines kept, "..." appended, variable parts replaced.
		{"message-formatted", "default", []string{"Payment <int> for <uuid> failed from <ip> after <duration> at <date>\nretry scheduled..."}, "a9a34e16a981230f04499ebe37cff675"},
		{"csp-inline", "default", []string{"script-src", "'unsafe-inline'"}, "d346ee37d19a2be6587e609075ca2d57"},
		{"checksum-hashed", "hashed_checksum", []string{"raven legacy checksum"}, "1487cebf3dd51e14240be7171a256f1d"},
		{"fingerprint-custom-vars", "custom_fingerprint", []string{"orders", "/orders/{id}", "KeyError", "checkout", "<no-logger>", "<no-value-for-tag-missing>"}, "348d590c1b0e4b3e085eec323376b5ab"},
	} {
		t.Run(tc.golden+"/"+tc.variant, func(t *testing.T) {
			if got := hashValues(tc.values); got != tc.want {
				t.Fatalf("hand-computed md5 %s, want %s (test table is wrong)", got, tc.want)
			}
			gi := loadGolden(t, tc.golden)
			var found *Variant
			vs := DefaultVariants(gi.Event)
			for i := range vs {
				if vs[i].Name == tc.variant {
					found = &vs[i]
				}
			}
			if found == nil {
				t.Fatalf("no %s variant in %v", tc.variant, vs)
			}
			if found.Hash != tc.want {
				t.Errorf("hash %s, want %s (values %q)", found.Hash, tc.want, found.Values())
			}
			if vals := found.Values(); found.Kind != "checksum" && !equalStrings(vals, tc.values) {
				t.Errorf("values %q, want %q", vals, tc.values)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
