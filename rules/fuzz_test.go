package rules

import "testing"

// FuzzRuleParsers: the rule-line parsers never panic, and what they accept
// can be evaluated.
func FuzzRuleParsers(f *testing.F) {
	for _, s := range []string{
		"error.type:Foo -> foo",
		`stack.function:"*connect*" !app:no -> a, {{ default }} title="x {{ type }}"`,
		"[ category:ui ] | function:run | [ !category:system ] category=indirection",
		"family:native function:abort ^-group -group v+app max-frames=3",
		`message:"a\"b" -> "c,d" e`,
		"path:**/x/** -app # comment",
	} {
		f.Add(s)
	}
	ev := sampleEvent()
	f.Fuzz(func(t *testing.T, s string) {
		if rs, err := ParseSentryRules(s); err == nil {
			rs.Match(ev)
		}
		if e, err := ParseEnhancements(s); err == nil {
			d := &Defaults{Enhancements: e}
			d.Variants(ev)
		}
	})
}
