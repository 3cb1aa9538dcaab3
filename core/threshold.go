package core

import (
	"errors"
	"regexp"
	"time"
)

// AlertRule is an alert rule (config.yaml's alerts.rules). The only kind so
// far is "threshold": Events or more events of one issue whose timestamps
// fall within the last Window raise a threshold alert, at most once per
// ActionInterval for that issue and rule. When, optional, is an expr filter
// over the same names as a destination's (alert.kind is "threshold", event
// is the newest event); the rule ignores issues for which it is false. The
// evaluator (core/threshold) compiles When; the decisions below are the
// rest of the rule.
type AlertRule struct {
	Name           string
	Kind           string
	Events         int
	Window         time.Duration
	ActionInterval time.Duration
	When           string
}

// Alert rule kinds.
const RuleThreshold = "threshold"

// Alert rule defaults.
const (
	DefaultRuleKind           = RuleThreshold
	DefaultRuleActionInterval = 30 * time.Minute
)

var ruleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,99}$`)

// WithDefaults returns r with Kind and ActionInterval defaulted.
func (r AlertRule) WithDefaults() AlertRule {
	if r.Kind == "" {
		r.Kind = DefaultRuleKind
	}
	if r.ActionInterval == 0 {
		r.ActionInterval = DefaultRuleActionInterval
	}
	return r
}

// Validate reports every problem of r (after defaults) but its When
// expression, which the evaluator compiles: each an EINVALID *Error naming
// its key relative to the rule ("events", "window"), joined.
func (r AlertRule) Validate() error {
	r = r.WithDefaults()
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldErrorf(field, format, args...))
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
	return errors.Join(errs...)
}

// WindowStart is the oldest event timestamp that counts towards r at now.
func (r AlertRule) WindowStart(now time.Time) time.Time {
	return now.Add(-r.Window)
}

// Reached reports whether n events within the window raise r's alert.
func (r AlertRule) Reached(n int) bool {
	return n >= r.Events
}

// Quiet reports whether r, having fired for an issue at last, must stay
// quiet for that issue at now (its ActionInterval has not passed).
func (r AlertRule) Quiet(last, now time.Time) bool {
	return now.Sub(last) < r.ActionInterval
}

// RaisesThresholdAlerts reports whether a threshold rule may alert for
// the issue: an ignored issue raises none.
func (is *Issue) RaisesThresholdAlerts() bool {
	return is.Status != StatusIgnored
}
