package rules

import (
	"testing"

	"github.com/periscope-hq/periscope/core"
)

func withFingerprint(fp ...string) *core.EventData {
	ev := goEvent()
	ev.Fingerprint = fp
	return ev
}

func TestSDKFingerprints(t *testing.T) {
	plain := DefaultGrouping(goEvent())
	if plain.DecidedBy != DecidedByDefault || plain.Name != VariantApp {
		t.Fatalf("plain event decided by %s/%s, want default/app", plain.DecidedBy, plain.Name)
	}
	// ["{{ default }}"] (any spacing) is exactly the default grouping.
	for _, fp := range [][]string{{"{{ default }}"}, {"{{default}}"}, {"{{  default  }}"}} {
		g := DefaultGrouping(withFingerprint(fp...))
		if g.Hash != plain.Hash || g.DecidedBy != DecidedByDefault {
			t.Errorf("%q: %s/%s, want the default hash %s", fp, g.DecidedBy, g.Hash, plain.Hash)
		}
	}
	// Hybrid: the default values, then the extra value, hashed together.
	hy := DefaultGrouping(withFingerprint("{{ default }}", "tenant-a"))
	vals := Primary(DefaultVariants(goEvent())).Values()
	if want := hashValues(append(vals, "tenant-a")); hy.Hash != want || hy.DecidedBy != DecidedBySDK {
		t.Errorf("hybrid: %s/%s, want sdk/%s", hy.DecidedBy, hy.Hash, want)
	}
	if other := DefaultGrouping(withFingerprint("{{ default }}", "tenant-b")); other.Hash == hy.Hash {
		t.Error("a different extra value must split the group")
	}
	// Custom fingerprints: values joined as Sentry does; different
	// splits of the same text differ when the concatenation differs.
	ab := DefaultGrouping(withFingerprint("a", "b"))
	aSlashB := DefaultGrouping(withFingerprint("a/b"))
	if ab.Hash == aSlashB.Hash {
		t.Error(`["a","b"] and ["a/b"] must be different groups`)
	}
	if ab.Hash != hashValues([]string{"a", "b"}) || ab.DecidedBy != DecidedBySDK || ab.Name != VariantCustom {
		t.Errorf("custom: %+v", ab)
	}
	// Variables resolve from the event; a partial placeholder is literal.
	ev := withFingerprint("{{ transaction }}", "{{ type }}", "{{ error.value }}", "{{ level }}", "{{ tags.tenant }}", "{{ function }}", "{{ module }}", "x-{{ type }}", "{{ unknown.thing }}")
	vs := DefaultVariants(ev)
	want := []string{"POST /orders", "*pq.Error", ev.Exceptions[0].Value, "error", "acme", "(*Service).step9", "github.com/acme/shop/internal/orders", "x-{{ type }}", "{{ unknown.thing }}"}
	if got := Primary(vs).Fingerprint; !equalStrings(got, want) {
		t.Errorf("resolved %q, want %q", got, want)
	}
	// Missing values get Sentry's placeholders.
	empty := &core.EventData{Platform: "go", Fingerprint: []string{"{{ transaction }}", "{{ message }}", "{{ type }}", "{{ tags.x }}", "{{ function }}"}}
	if got := Primary(DefaultVariants(empty)).Fingerprint; !equalStrings(got, []string{"<no-transaction>", "<no-message>", "<no-type>", "<no-value-for-tag-x>", "<no-function>"}) {
		t.Errorf("placeholders %q", got)
	}
}

func TestBuiltinFingerprintRule(t *testing.T) {
	ev := &core.EventData{Platform: "javascript", Fingerprint: []string{"{{ default }}", "mine"},
		Exceptions: []core.Exception{{Type: "ChunkLoadError", Value: "Loading chunk 7 failed."}}}
	vs := DefaultVariants(ev)
	p := Primary(vs)
	if p.Name != VariantBuiltIn || p.Hash != hashValues([]string{"chunkloaderror"}) {
		t.Errorf("primary %s %s, want built_in_fingerprint md5(chunkloaderror)", p.Name, p.Hash)
	}
	if g := DefaultGrouping(ev); g.DecidedBy != DecidedByDefault {
		t.Errorf("built-in rules are part of the default grouping, got %s", g.DecidedBy)
	}
}
