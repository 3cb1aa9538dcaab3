package notify

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Rule is an alert rule from config.yaml's alerts.rules. The only kind so
// far is "threshold": Events or more events of one issue whose timestamps
// fall within the last Window raise a threshold alert, at most once per
// ActionInterval for that issue and rule. When, optional, is an expr
// filter over the same names as a destination's (alert.kind is
// "threshold", event is the newest event); the rule ignores issues for
// which it is false.
type Rule struct {
	Name           string        `koanf:"name"`
	Kind           string        `koanf:"kind"`
	Events         int           `koanf:"events"`
	Window         time.Duration `koanf:"window"`
	ActionInterval time.Duration `koanf:"action_interval"`
	When           string        `koanf:"when"`
}

// Rule kinds.
const RuleThreshold = "threshold"

// Rule defaults.
const (
	DefaultRuleKind           = RuleThreshold
	DefaultRuleActionInterval = 30 * time.Minute
)

var ruleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,99}$`)

// WithDefaults returns r with Kind and ActionInterval defaulted.
func (r Rule) WithDefaults() Rule {
	if r.Kind == "" {
		r.Kind = DefaultRuleKind
	}
	if r.ActionInterval == 0 {
		r.ActionInterval = DefaultRuleActionInterval
	}
	return r
}

// Validate reports every problem of r (after defaults), each an EINVALID
// *core.Error naming its key relative to the rule ("events", "when").
func (r Rule) Validate() error {
	r = r.WithDefaults()
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, core.FieldErrorf(field, format, args...))
	}
	if !ruleName.MatchString(r.Name) {
		bad("name", "%q must be 1 to 100 letters, digits, spaces or ._:- and start with a letter or digit", r.Name)
	}
	if r.Kind != RuleThreshold {
		bad("kind", "%q is not a rule kind; the only one is \"threshold\"", r.Kind)
	}
	if r.Events < 1 {
		bad("events", "must be at least 1 (the number of events that raises the alert)")
	}
	if r.Window <= 0 {
		bad("window", "must be a positive duration such as 10m (the time the events must fall within)")
	}
	if r.ActionInterval < time.Second {
		bad("action_interval", "must be a duration of at least 1s (how long one issue stays quiet after an alert)")
	}
	if _, err := CompileWhen(r.When); err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			bad("when", "%s", ce.Message)
		} else {
			bad("when", "%v", err)
		}
	}
	return errors.Join(errs...)
}

// ValidateRules validates every rule and that names are unique; errors
// name their key as "rules[i].field".
func ValidateRules(rules []Rule) error {
	var errs []error
	seen := map[string]int{}
	for i, r := range rules {
		prefix := fmt.Sprintf("rules[%d].", i)
		if err := r.Validate(); err != nil {
			for _, e := range unjoin(err) {
				var ce *core.Error
				if errors.As(e, &ce) {
					errs = append(errs, core.FieldErrorf(prefix+ce.Field, "%s", ce.Message))
				} else {
					errs = append(errs, e)
				}
			}
		}
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			errs = append(errs, core.FieldErrorf(prefix+"name", "%q is already the name of rules[%d]", r.Name, j))
		} else {
			seen[r.Name] = i
		}
	}
	return errors.Join(errs...)
}

// unjoin returns the errors errors.Join combined, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
