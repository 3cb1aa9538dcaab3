package threshold

import (
	"errors"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/notify"
)

// ValidateRules validates every rule (core.AlertRule.Validate, and its when
// filter compiled as the evaluator compiles it) and that names are unique;
// errors are EINVALID naming their key as "rules[i].field", joined.
func ValidateRules(rules []core.AlertRule) error {
	var errs []error
	seen := map[string]int{}
	for i, r := range rules {
		prefix := fmt.Sprintf("rules[%d].", i)
		ruleErrs := unjoin(r.Validate())
		if _, err := notify.CompileWhen(r.When); err != nil {
			var ce *core.Error
			if errors.As(err, &ce) {
				ruleErrs = append(ruleErrs, core.FieldErrorf("when", "%s", ce.Message))
			} else {
				ruleErrs = append(ruleErrs, core.FieldErrorf("when", "%v", err))
			}
		}
		for _, e := range ruleErrs {
			var ce *core.Error
			if errors.As(e, &ce) {
				errs = append(errs, core.FieldErrorf(prefix+ce.Field, "%s", ce.Message))
			} else {
				errs = append(errs, e)
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

// unjoin returns the errors errors.Join combined, err alone, or none.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
