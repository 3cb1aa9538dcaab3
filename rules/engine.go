package rules

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/periscope-hq/periscope/core"
)

// Decision layers, as recorded in core.Grouping.DecidedBy.
const (
	DecidedByRule    = "rule"
	DecidedBySDK     = "sdk"
	DecidedByDefault = "default"
)

// Engine groups events with one compiled rule set. It is immutable after
// Load and safe for concurrent use; to change rules, load a new Engine
// (see Holder).
type Engine struct {
	rules    []*exprRule
	defaults *Defaults            // the default configuration's
	configs  map[string]*Defaults // every configuration, same project rules
	needs    envNeeds
	source   string
	files    []string // every file the rules were read from
	errs     atomic.Uint64
}

type exprRule struct {
	name        string
	when        *vm.Program
	fingerprint []*vm.Program
	title       *vm.Program
}

// Load compiles a grouping configuration. Every expression is compiled
// against Env once, here; the first problem is returned as a *RuleError
// naming the rule, the line and column in cfg.File, and what is wrong.
func Load(cfg Config) (*Engine, error) {
	if err := CheckConfig(cfg.GroupingConfig); err != nil {
		return nil, &RuleError{File: cfg.File, Msg: "config: " + err.Error()}
	}
	e := &Engine{defaults: &Defaults{Config: cfg.GroupingConfig}, source: cfg.File}
	if cfg.File != "" {
		e.files = append(e.files, cfg.File)
	}
	if err := e.load(cfg, 0); err != nil {
		return nil, err
	}
	e.configs = map[string]*Defaults{}
	for _, id := range Configs() {
		if id == e.defaults.ConfigID() {
			e.configs[id] = e.defaults
			continue
		}
		e.configs[id] = &Defaults{Enhancements: e.defaults.Enhancements, FingerprintRules: e.defaults.FingerprintRules, Config: id}
	}
	return e, nil
}

// load compiles cfg into e, after what e already holds; depth guards
// rules_file chains.
func (e *Engine) load(cfg Config, depth int) error {
	if depth > 4 {
		return &RuleError{File: cfg.File, Msg: "rules_file: too many nested rule files"}
	}
	seen := map[string]bool{}
	for _, r := range e.rules {
		seen[r.name] = true
	}
	for i := range cfg.Rules {
		rc := &cfg.Rules[i]
		r, err := compileRule(rc, cfg.File, i)
		if err != nil {
			return err
		}
		if seen[r.name] {
			return &RuleError{File: cfg.File, Rule: r.name, Line: rc.Pos.Rule.Line, Column: rc.Pos.Rule.Column, Msg: "duplicate rule name"}
		}
		seen[r.name] = true
		e.rules = append(e.rules, r)
	}
	for _, rc := range cfg.Rules {
		for _, src := range append([]string{rc.When, rc.Title}, rc.Fingerprint...) {
			if src == "" {
				continue
			}
			_, n, _, _, _ := compileExpr(src, false)
			e.needs.def = e.needs.def || n.def
			e.needs.inApp = e.needs.inApp || n.inApp
		}
	}
	inline, fromFile, filePath, err := cfg.sentryRulesText()
	if err != nil {
		return &RuleError{File: cfg.File, Msg: err.Error()}
	}
	var all []*SentryRule
	for _, src := range []struct {
		text, file string
		pos        Pos
	}{{inline, cfg.File, cfg.sentryPos}, {fromFile, filePath, Pos{}}} {
		if src.text == "" {
			continue
		}
		rs, err := ParseSentryRules(src.text)
		if err != nil {
			var re *RuleError
			if errors.As(err, &re) {
				re.File = src.file
				if src.pos.Line > 0 {
					re.Line, re.Column = src.pos.at(re.Line, re.Column)
					re.Msg = "sentry_rules: " + re.Msg
				}
			}
			return err
		}
		all = append(all, rs.rules...)
	}
	if len(all) > 0 {
		var prev []*SentryRule
		if e.defaults.FingerprintRules != nil {
			prev = e.defaults.FingerprintRules.rules
		}
		e.defaults.FingerprintRules = &SentryRules{rules: append(prev, all...)}
	}
	if filePath != "" {
		e.files = append(e.files, filePath)
	}
	if cfg.StackRules != "" {
		enh, err := ParseEnhancements(cfg.StackRules)
		if err != nil {
			var re *RuleError
			if errors.As(err, &re) {
				re.File, re.Msg = cfg.File, "stack_rules: "+re.Msg
				if cfg.stackPos.Line > 0 {
					re.Line, re.Column = cfg.stackPos.at(re.Line, re.Column)
				}
			}
			return err
		}
		e.defaults.Enhancements = concatEnhancements(e.defaults.Enhancements, enh)
	}
	if cfg.RulesFile != "" {
		path := cfg.resolve(cfg.RulesFile)
		sub, err := ReadConfigFile(path)
		if err != nil {
			var re *RuleError
			if !errors.As(err, &re) {
				err = &RuleError{File: cfg.File, Msg: "rules_file: " + err.Error()}
			}
			return err
		}
		e.files = append(e.files, path)
		return e.load(sub, depth+1)
	}
	return nil
}

// LoadFile reads a YAML file (Periscope's config.yaml with a grouping
// section, or a file holding only that section) and compiles it.
func LoadFile(path string) (*Engine, error) {
	cfg, err := ReadConfigFile(path)
	if err != nil {
		return nil, err
	}
	return Load(cfg)
}

func compileRule(rc *RuleConfig, file string, i int) (*exprRule, error) {
	r := &exprRule{name: rc.Name}
	if r.name == "" {
		r.name = "rule-" + strconv.Itoa(i+1)
	}
	fail := func(field string, p Pos, line, col int, err error) error {
		l, c := p.at(line, col)
		return &RuleError{File: file, Rule: r.name, Line: l, Column: c, Msg: field + ": " + err.Error()}
	}
	if rc.When == "" {
		return nil, &RuleError{File: file, Rule: r.name, Line: rc.Pos.Rule.Line, Column: rc.Pos.Rule.Column, Msg: "when: missing condition"}
	}
	prog, _, l, c, err := compileExpr(rc.When, true)
	if err != nil {
		return nil, fail("when", rc.Pos.When, l, c, err)
	}
	r.when = prog
	if len(rc.Fingerprint) == 0 {
		return nil, &RuleError{File: file, Rule: r.name, Line: rc.Pos.Rule.Line, Column: rc.Pos.Rule.Column, Msg: "fingerprint: at least one expression is needed"}
	}
	for k, src := range rc.Fingerprint {
		var p Pos
		if k < len(rc.Pos.Fingerprint) {
			p = rc.Pos.Fingerprint[k]
		}
		prog, _, l, c, err := compileExpr(src, false)
		if err != nil {
			return nil, fail(fmt.Sprintf("fingerprint[%d]", k), p, l, c, err)
		}
		r.fingerprint = append(r.fingerprint, prog)
	}
	if rc.Title != "" {
		prog, _, l, c, err := compileExpr(rc.Title, false)
		if err != nil {
			return nil, fail("title", rc.Pos.Title, l, c, err)
		}
		r.title = prog
	}
	return r, nil
}

// RuntimeErrors returns how many events a rule failed on (the event then
// fell through to the SDK fingerprint and default grouping).
func (e *Engine) RuntimeErrors() uint64 { return e.errs.Load() }

// Source names the file the engine was loaded from ("" if none).
func (e *Engine) Source() string { return e.source }

// Files lists every file the engine's rules were read from (the
// configuration, rules_file, sentry_rules_file), for watching.
func (e *Engine) Files() []string { return append([]string(nil), e.files...) }

// Defaults returns the default-grouping configuration of the engine (the
// built-in rules plus the Sentry-syntax and stack trace rules it loaded).
func (e *Engine) Defaults() *Defaults { return e.defaults }

// Group decides the fingerprint of ev: the first matching rule, else the
// SDK's fingerprint, else Sentry's default grouping. It never fails; a rule
// that errors on ev is counted and skipped to the next layer. A nil Engine
// groups with the defaults only.
func (e *Engine) Group(ev *core.EventData) core.Grouping {
	g, _ := e.group(ev)
	return g
}

// GroupWithConfig is Group under the grouping configuration id (see
// Configs); "" or an unknown id means the engine's default configuration.
// The Grouping's Config names the configuration used.
func (e *Engine) GroupWithConfig(ev *core.EventData, id string) core.Grouping {
	g, _ := e.groupWith(ev, e.configDefaults(id))
	return g
}

// DefaultConfig returns the id of the configuration Group uses.
func (e *Engine) DefaultConfig() string {
	if e == nil {
		return ConfigID
	}
	return e.defaults.ConfigID()
}

func (e *Engine) configDefaults(id string) *Defaults {
	if e == nil {
		if c := configByID(id); c != nil && c != config2023 {
			return &Defaults{Config: id}
		}
		return plainDefaults
	}
	if d, ok := e.configs[id]; ok {
		return d
	}
	return e.defaults
}

// group returns the grouping and, when the default layers decided, the
// variants they computed.
func (e *Engine) group(ev *core.EventData) (core.Grouping, []Variant) {
	if e == nil {
		return e.groupWith(ev, plainDefaults)
	}
	return e.groupWith(ev, e.defaults)
}

func (e *Engine) groupWith(ev *core.EventData, d *Defaults) (core.Grouping, []Variant) {
	if e != nil && len(e.rules) > 0 {
		if g, ok := e.runRules(ev, d); ok {
			return g, nil
		}
	}
	vs := d.Variants(ev)
	return groupingFromVariants(vs, ev, d.ConfigID()), vs
}

func (e *Engine) runRules(ev *core.EventData, d *Defaults) (core.Grouping, bool) {
	env := newEnv(ev, e.needs, d)
	for _, r := range e.rules {
		out, err := expr.Run(r.when, env)
		if err != nil {
			e.errs.Add(1)
			return core.Grouping{}, false
		}
		if b, _ := out.(bool); !b {
			continue
		}
		parts := make([]string, 0, len(r.fingerprint))
		for _, p := range r.fingerprint {
			vals, err := runParts(p, env)
			if err != nil {
				e.errs.Add(1)
				return core.Grouping{}, false
			}
			parts = append(parts, vals...)
		}
		g := core.Grouping{DecidedBy: DecidedByRule, Name: r.name, Config: d.ConfigID(), Hash: ruleHash(parts)}
		if r.title != nil {
			t, err := runString(r.title, env)
			if err != nil {
				e.errs.Add(1)
				return core.Grouping{}, false
			}
			g.Title = t
		}
		g.Components, _ = json.Marshal(struct {
			Rule        string   `json:"rule"`
			Fingerprint []string `json:"fingerprint"`
		}{r.name, parts})
		return g, true
	}
	return core.Grouping{}, false
}

// runParts evaluates a fingerprint expression; a list result contributes
// each of its elements.
func runParts(prog *vm.Program, env *Env) ([]string, error) {
	out, err := expr.Run(prog, env)
	if err != nil {
		return nil, err
	}
	switch x := out.(type) {
	case []string:
		return x, nil
	case []any:
		s := make([]string, len(x))
		for i, v := range x {
			s[i] = valueString(v)
		}
		return s, nil
	}
	return []string{valueString(out)}, nil
}

func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// ruleHash hashes fingerprint parts unambiguously: each part is preceded
// by its length, so ["a","bc"], ["ab","c"] and ["a/bc"] all differ.
func ruleHash(parts []string) string {
	h := md5.New()
	h.Write([]byte("periscope-rule:v1\x00"))
	var n [20]byte
	for _, p := range parts {
		h.Write(strconv.AppendInt(n[:0], int64(len(p)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
