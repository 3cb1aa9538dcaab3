package rules

import "fmt"

// RuleError is a rule that cannot be loaded: where it is (file, line and
// column of the YAML or rule text, rule name when it has one) and what is
// wrong.
type RuleError struct {
	File   string
	Rule   string
	Line   int
	Column int
	Msg    string
}

// Error renders "file:line:col: rule \"name\": message".
func (e *RuleError) Error() string {
	s := ""
	if e.File != "" {
		s = e.File + ":"
	}
	if e.Line > 0 {
		s += fmt.Sprintf("%d:", e.Line)
		if e.Column > 0 {
			s += fmt.Sprintf("%d:", e.Column)
		}
	}
	if s != "" {
		s += " "
	}
	if e.Rule != "" {
		s += fmt.Sprintf("rule %q: ", e.Rule)
	}
	return s + e.Msg
}

// colErrf is an error at a column of a rule line.
func colErrf(col int, format string, args ...any) error {
	return &posError{col: col, msg: fmt.Sprintf(format, args...)}
}
