package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the grouping section of Periscope's configuration:
//
//	grouping:
//	  rules:
//	    - name: database-down
//	      when: 'exception.type in ["OperationalError"] && any(frames, {.module startsWith "db."})'
//	      fingerprint: ['"database-down"', 'tags["db.host"] ?? "unknown"']
//	      title: '"Database unreachable"'
//	  sentry_rules: |
//	    error.type:DatabaseUnavailable -> system-down
//	  sentry_rules_file: fingerprints.txt
//	  stack_rules: |
//	    stack.module:github.com/myorg/** +app
//	  rules_file: grouping-rules.yaml
type Config struct {
	// Rules are expr-lang rules, tried in order; the first whose When
	// holds decides the fingerprint.
	Rules []RuleConfig `yaml:"rules"`
	// SentryRules holds Sentry fingerprint-rule lines, tried after Rules;
	// SentryRulesFile names a file of them (relative to File's directory).
	SentryRules     string `yaml:"sentry_rules"`
	SentryRulesFile string `yaml:"sentry_rules_file"`
	// StackRules holds Sentry stack trace rules ("enhancements") applied
	// after the built-in ones by the default grouping.
	StackRules string `yaml:"stack_rules"`
	// GroupingConfig is the default grouping's configuration id for
	// projects that choose none ("" is ConfigNewstyle2023; see Configs).
	GroupingConfig string `yaml:"default_config"`
	// RulesFile names a YAML file with more of the same (rules,
	// sentry_rules, stack_rules...), relative to File's directory; its
	// rules come after the ones above.
	RulesFile string `yaml:"rules_file"`

	// File is where the configuration was read from, for error messages
	// and relative paths ("" when it did not come from a file).
	File string `yaml:"-"`
	// sentryLine and stackLine are the YAML lines where the block texts
	// start, so rule-line errors point into the YAML file.
	sentryPos, stackPos Pos
}

// RuleConfig is one expr-lang grouping rule.
type RuleConfig struct {
	Name string `yaml:"name"`
	// When is a boolean expression over Env.
	When string `yaml:"when"`
	// Fingerprint lists expressions whose values (strings, numbers, or
	// lists of them) make the fingerprint.
	Fingerprint []string `yaml:"fingerprint"`
	// Title, when set, is an expression for the issue title.
	Title string `yaml:"title"`

	// Pos locates the rule's values in the YAML source; zero when the
	// rule was built in code.
	Pos RulePos `yaml:"-"`
}

// RulePos holds where each expression of a rule starts in its YAML file.
type RulePos struct {
	Rule, When, Title Pos
	Fingerprint       []Pos
}

// Pos is the position of an expression's first character in a file, and
// how the expression's own lines map back to it.
type Pos struct {
	Line, Column int
	// Block is set for literal and folded block scalars, whose expression
	// line k is file line Line+k-1 at column Column.
	Block bool
}

// at maps a 1-based line and column inside an expression to the file.
func (p Pos) at(line, col int) (int, int) {
	if p.Line == 0 {
		return line, col
	}
	if p.Block || line > 1 {
		return p.Line + line - 1, p.Column + col - 1
	}
	return p.Line, p.Column + col - 1
}

// ParseConfig reads the grouping configuration from YAML: either a
// document with a top-level "grouping" key (Periscope's config.yaml) or
// the grouping section itself. file is used in error messages.
func ParseConfig(data []byte, file string) (Config, error) {
	var doc yaml.Node
	cfg := Config{File: file}
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, nil
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return cfg, &RuleError{File: file, Msg: "invalid YAML: " + err.Error()}
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	if g := mappingValue(root, "grouping"); g != nil {
		root = g
	}
	if root.Kind != yaml.MappingNode {
		return cfg, &RuleError{File: file, Line: root.Line, Column: root.Column, Msg: "the grouping section must be a mapping"}
	}
	if err := root.Decode(&cfg); err != nil {
		return cfg, &RuleError{File: file, Line: root.Line, Column: root.Column, Msg: err.Error()}
	}
	cfg.File = file
	lines := strings.Split(string(data), "\n")
	if n := mappingValue(root, "sentry_rules"); n != nil {
		cfg.sentryPos = scalarPos(n, lines)
	}
	if n := mappingValue(root, "stack_rules"); n != nil {
		cfg.stackPos = scalarPos(n, lines)
	}
	if rs := mappingValue(root, "rules"); rs != nil && rs.Kind == yaml.SequenceNode {
		for i, rn := range rs.Content {
			if i >= len(cfg.Rules) {
				break
			}
			p := &cfg.Rules[i].Pos
			p.Rule = Pos{Line: rn.Line, Column: rn.Column}
			if n := mappingValue(rn, "when"); n != nil {
				p.When = scalarPos(n, lines)
			}
			if n := mappingValue(rn, "title"); n != nil {
				p.Title = scalarPos(n, lines)
			}
			if n := mappingValue(rn, "fingerprint"); n != nil && n.Kind == yaml.SequenceNode {
				for _, fn := range n.Content {
					p.Fingerprint = append(p.Fingerprint, scalarPos(fn, lines))
				}
			}
		}
	}
	return cfg, nil
}

// ReadConfigFile reads and parses a grouping configuration file.
func ReadConfigFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{File: path}, err
	}
	return ParseConfig(data, path)
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalarPos returns where a scalar's text starts.
func scalarPos(n *yaml.Node, lines []string) Pos {
	switch n.Style {
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		return Pos{Line: n.Line, Column: n.Column + 1}
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The text starts on the next line, at its indentation.
		l := n.Line + 1
		col := 1
		if l-1 < len(lines) {
			s := lines[l-1]
			col = len(s) - len(strings.TrimLeft(s, " ")) + 1
		}
		return Pos{Line: l, Column: col, Block: true}
	}
	return Pos{Line: n.Line, Column: n.Column}
}

// sentryRulesText returns the Sentry rule lines of the configuration (the
// inline text, then the file's) and the YAML line where the inline text
// starts.
func (c *Config) sentryRulesText() (inline, fromFile, filePath string, err error) {
	inline = c.SentryRules
	if c.SentryRulesFile != "" {
		filePath = c.resolve(c.SentryRulesFile)
		b, rerr := os.ReadFile(filePath)
		if rerr != nil {
			return "", "", filePath, fmt.Errorf("sentry_rules_file: %w", rerr)
		}
		fromFile = string(b)
	}
	return inline, fromFile, filePath, nil
}

// resolve returns path relative to the directory of the file the
// configuration came from.
func (c *Config) resolve(path string) string {
	if path == "" || filepath.IsAbs(path) || c.File == "" {
		return path
	}
	return filepath.Join(filepath.Dir(c.File), path)
}

// TakePositions copies from src, the same section parsed from the YAML
// file, the positions of every value c has unchanged, so that errors in
// values that came from the file name their line and column. Values set
// another way (the environment) keep no position.
func (c *Config) TakePositions(src Config) {
	if src.SentryRules == c.SentryRules {
		c.sentryPos = src.sentryPos
	}
	if src.StackRules == c.StackRules {
		c.stackPos = src.stackPos
	}
	for i := range c.Rules {
		if i >= len(src.Rules) {
			break
		}
		a, b := c.Rules[i], src.Rules[i]
		if a.Name == b.Name && a.When == b.When && a.Title == b.Title && strings.Join(a.Fingerprint, "\x00") == strings.Join(b.Fingerprint, "\x00") {
			c.Rules[i].Pos = b.Pos
		}
	}
}
