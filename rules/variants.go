package rules

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"

	"github.com/periscope-hq/periscope/core"
)

// Variant names, as Sentry spells them.
const (
	VariantApp          = "app"
	VariantSystem       = "system"
	VariantDefault      = "default"
	VariantFallback     = "fallback"
	VariantCustom       = "custom_fingerprint"
	VariantBuiltIn      = "built_in_fingerprint"
	VariantChecksum     = "checksum"
	VariantHashedChksum = "hashed_checksum"
)

// Variant is one way of hashing an event. Hash is "" when the variant does
// not contribute.
type Variant struct {
	Name string `json:"name"`
	// Kind is "component", "salted" (component plus fingerprint values),
	// "fingerprint", "checksum" or "fallback".
	Kind string `json:"kind"`
	Hash string `json:"hash,omitempty"`
	Hint string `json:"hint,omitempty"`
	// Component is the tree of a component or salted variant.
	Component *Component `json:"component,omitempty"`
	// Fingerprint holds the resolved fingerprint values of fingerprint and
	// salted variants ("{{ default }}" kept as the marker).
	Fingerprint []string `json:"fingerprint,omitempty"`
	// Rule is the text of the fingerprint rule that set the fingerprint.
	Rule string `json:"rule,omitempty"`
	// Title is the title attribute of that rule, if any.
	Title string `json:"-"`
	// Source says where the fingerprint came from: "rule" (a project
	// fingerprint rule), "builtin" (a built-in rule), "sdk" (the event's
	// fingerprint or checksum) or "" (the default fingerprint).
	Source string `json:"source,omitempty"`
}

// Contributes reports whether the variant has a hash.
func (v *Variant) Contributes() bool { return v.Hash != "" }

// Values returns the strings the hash is made of.
func (v *Variant) Values() []string {
	switch v.Kind {
	case "fingerprint":
		return v.Fingerprint
	case "salted":
		return expandDefault(v.Fingerprint, v.Component)
	case "component":
		return v.Component.Values()
	}
	return nil
}

var checksumRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Defaults is a default-grouping configuration: Sentry's algorithm with
// the built-in stack trace and fingerprint rules, plus optional project
// rules. The zero value is the plain default. Immutable once built.
type Defaults struct {
	// Enhancements are project stack trace rules, applied after the
	// built-in ones.
	Enhancements *Enhancements
	// FingerprintRules are project fingerprint rules (Sentry syntax),
	// tried before the built-in ones; the first match overrides the SDK's
	// fingerprint.
	FingerprintRules *SentryRules
	// Config is the grouping configuration id (ConfigNewstyle2023 when
	// empty; see CheckConfig). Set it before the first use.
	Config string

	once sync.Once
	all  *Enhancements // built-in then project stack trace rules
}

var plainDefaults = &Defaults{}

// DefaultVariants computes every grouping variant of ev with the plain
// default configuration.
func DefaultVariants(ev *core.EventData) []Variant { return plainDefaults.Variants(ev) }

// DefaultGrouping groups ev with the plain default configuration.
func DefaultGrouping(ev *core.EventData) core.Grouping { return plainDefaults.Grouping(ev) }

func (d *Defaults) enhancements() *Enhancements {
	if d == nil {
		return builtinEnhancements
	}
	d.once.Do(func() { d.all = concatEnhancements(d.config().base, d.Enhancements) })
	return d.all
}

// config returns the grouping configuration; an unknown id (which
// CheckConfig rejects at load) groups as the default.
func (d *Defaults) config() *groupingConfig {
	if d == nil {
		return config2023
	}
	if c := configByID(d.Config); c != nil {
		return c
	}
	return config2023
}

// ConfigID returns the id of the grouping configuration d uses.
func (d *Defaults) ConfigID() string { return d.config().id }

// Variants computes every grouping variant of ev, in Sentry's order of
// precedence (fingerprint, checksum, app, system, default, fallback).
func (d *Defaults) Variants(ev *core.EventData) []Variant {
	return d.variants(ev, ev.Fingerprint, false)
}

// variants computes the variants with fp as the client fingerprint; with
// noRules the fingerprint rules are skipped (fp is already decided).
func (d *Defaults) variants(ev *core.EventData, fp []string, noRules bool) []Variant {
	if ev.Checksum != "" {
		if checksumRe.MatchString(ev.Checksum) {
			return []Variant{{Name: VariantChecksum, Kind: "checksum", Hash: ev.Checksum, Source: "sdk"}}
		}
		return []Variant{{Name: VariantHashedChksum, Kind: "checksum", Hash: hashValues([]string{ev.Checksum}), Source: "sdk"}}
	}
	var rule *SentryRule
	if !noRules {
		if d != nil && d.FingerprintRules != nil {
			rule = d.FingerprintRules.Match(ev)
		}
		if rule == nil {
			rule = builtinFingerprintRules.Match(ev)
		}
		if rule != nil {
			fp = rule.Fingerprint
		}
	}
	source := ""
	switch {
	case rule != nil && rule.builtin:
		source = "builtin"
	case rule != nil:
		source = "rule"
	case len(fp) > 0 && !(len(fp) == 1 && isDefaultVar(fp[0])):
		source = "sdk"
	}
	if len(fp) == 0 {
		fp = defaultFingerprint
	}
	g := grouper{ev: ev, enh: d.enhancements(), cfg: d.config()}
	comps := g.componentVariants()
	defaults := 0
	for _, v := range fp {
		if isDefaultVar(v) {
			defaults++
		}
	}
	var out []Variant
	switch {
	case defaults == 0:
		values := resolveFingerprint(fp, ev, g.cfg)
		v := Variant{Name: VariantCustom, Kind: "fingerprint", Fingerprint: values, Hash: hashValues(values), Source: source}
		hint := "custom client fingerprint takes precedence"
		if rule != nil {
			v.Rule, v.Title = rule.Text, rule.Title
			hint = "custom server fingerprint takes precedence"
			if rule.builtin {
				v.Name = VariantBuiltIn
				hint = "built-in fingerprint takes precedence"
			}
		}
		out = append(out, v)
		for _, c := range comps {
			c.Component.disable(hint)
			c.Hash = ""
			c.Hint = hint
			out = append(out, c)
		}
	case defaults == 1 && len(fp) == 1:
		out = comps
	default:
		values := resolveFingerprint(fp, ev, g.cfg)
		for _, c := range comps {
			c.Kind, c.Fingerprint, c.Source = "salted", values, source
			if rule != nil {
				c.Rule, c.Title = rule.Text, rule.Title
			}
			if c.Component.Contributes() {
				c.Hash = hashValues(expandDefault(values, c.Component))
			}
			out = append(out, c)
		}
	}
	any := false
	for i := range out {
		any = any || out[i].Contributes()
	}
	if !any {
		out = append(out, Variant{Name: VariantFallback, Kind: "fallback", Hash: hashValues(nil)})
	}
	return out
}

var defaultFingerprint = []string{"{{ default }}"}

func expandDefault(fp []string, c *Component) []string {
	out := make([]string, 0, len(fp)+8)
	for _, v := range fp {
		if isDefaultVar(v) {
			out = append(out, c.Values()...)
		} else {
			out = append(out, v)
		}
	}
	return out
}

// componentVariants builds the app, system and default variants from the
// strategies: the first strategy with a contributing component wins, and
// the others are marked non-contributing in every variant.
func (g *grouper) componentVariants() []Variant {
	results := g.strategies()
	roots := map[string]*Component{}
	order := []string{VariantApp, VariantSystem, VariantDefault}
	winner := -1
	for i := range results {
		if results[i].contributes() {
			winner = i
			break
		}
	}
	hint := ""
	if winner >= 0 {
		var vs []string
		w := &results[winner]
		if w.app.Contributes() {
			vs = append(vs, VariantApp)
		}
		if w.system.Contributes() {
			vs = append(vs, VariantSystem)
		}
		if w.def.Contributes() {
			hint = "ignored because " + w.name + " takes precedence"
		} else {
			hint = "ignored because " + strings.Join(vs, "/") + " " + w.name + " takes precedence"
		}
	}
	for i := range results {
		r := &results[i]
		for _, v := range []struct {
			name string
			c    *Component
		}{{VariantApp, r.app}, {VariantSystem, r.system}, {VariantDefault, r.def}} {
			if v.c == nil {
				continue
			}
			if winner >= 0 && i != winner {
				v.c.disable(hint)
			}
			root := roots[v.name]
			if root == nil {
				root = &Component{ID: v.name}
				roots[v.name] = root
			}
			root.Children = append(root.Children, v.c)
		}
	}
	out := make([]Variant, 0, 3)
	for _, name := range order {
		if root := roots[name]; root != nil {
			out = append(out, Variant{Name: name, Kind: "component", Component: root, Hash: root.Hash(), Hint: root.Hint})
		}
	}
	// A system variant equal to the app variant adds nothing.
	if len(out) >= 2 && out[0].Name == VariantApp && out[1].Name == VariantSystem &&
		out[0].Hash != "" && out[0].Hash == out[1].Hash {
		out[1].Component.disable("ignored because app " + results[winner].name + " takes precedence")
		out[1].Hash, out[1].Hint = "", out[1].Component.Hint
	}
	return out
}

// Primary returns the variant that decides the group: the first
// contributing one in precedence order.
func Primary(vs []Variant) *Variant {
	for i := range vs {
		if vs[i].Contributes() {
			return &vs[i]
		}
	}
	return nil
}

// Grouping groups ev with d and explains the decision.
func (d *Defaults) Grouping(ev *core.EventData) core.Grouping {
	return groupingFromVariants(d.Variants(ev), ev, d.ConfigID())
}

func groupingFromVariants(vs []Variant, ev *core.EventData, configID string) core.Grouping {
	p := Primary(vs)
	g := core.Grouping{DecidedBy: "default", Config: configID}
	if p == nil { // cannot happen: fallback always contributes
		return g
	}
	g.Name, g.Hash = p.Name, p.Hash
	switch p.Source {
	case "sdk":
		g.DecidedBy = DecidedBySDK
	case "rule":
		g.DecidedBy, g.Name = DecidedByRule, p.Rule
		if p.Title != "" {
			g.Title = resolveTitle(p.Title, ev)
		}
	}
	g.Components = explainJSON(p, vs)
	return g
}

// explainJSON renders the grouping decision for storage with the event:
// {"variant", "fingerprint"?, "rule"?, "component"?, "values", "variants"},
// where component is the deciding variant's whole tree (each node says
// whether it contributes, and the parts that do not carry the hint why),
// values the strings hashed, and variants every variant computed, in
// precedence order, with its hash ("" when it does not contribute) and
// hint.
func explainJSON(p *Variant, vs []Variant) json.RawMessage {
	b := make([]byte, 0, 4096)
	b = append(b, `{"variant":`...)
	b = appendJSONString(b, p.Name)
	if len(p.Fingerprint) > 0 {
		b = append(b, `,"fingerprint":`...)
		b = appendJSONStrings(b, p.Fingerprint)
	}
	if p.Rule != "" {
		b = append(b, `,"rule":`...)
		b = appendJSONString(b, p.Rule)
	}
	if p.Component != nil && p.Component.Contributes() {
		b = append(b, `,"component":`...)
		b = p.Component.appendJSON(b)
	}
	b = append(b, `,"values":`...)
	b = appendJSONStrings(b, p.Values())
	b = append(b, `,"variants":[`...)
	for i := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, vs[i].Name)
		b = append(b, `,"hash":`...)
		b = appendJSONString(b, vs[i].Hash)
		if vs[i].Hint != "" {
			b = append(b, `,"hint":`...)
			b = appendJSONString(b, vs[i].Hint)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
