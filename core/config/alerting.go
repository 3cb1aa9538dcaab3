package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/notify"
)

// validateAlerting checks notify.destinations and alerts.rules, one line
// per problem, each starting with its key. Plugins check their own config
// at start-up, when they can be run.
func (c *Config) validateAlerting() []string {
	var p []string
	seen := map[string]int{}
	for i, d := range c.Notify.Destinations {
		key := fmt.Sprintf("notify.destinations[%d]", i)
		if strings.TrimSpace(d.Name) == "" {
			p = append(p, key+".name: is required")
		} else if len(d.Name) > 200 {
			p = append(p, key+".name: must be at most 200 characters")
		} else if j, dup := seen[d.Name]; dup {
			p = append(p, fmt.Sprintf("%s.name: %q is already the name of notify.destinations[%d]", key, d.Name, j))
		} else {
			seen[d.Name] = i
		}
		if d.Plugin == "" {
			p = append(p, key+".plugin: is required (a plugin name such as webhook, or a path)")
		}
		if _, err := notify.CompileWhen(d.When); err != nil {
			p = append(p, key+".when: "+core.ErrorMessage(err))
		}
		for j, name := range d.Projects {
			if strings.TrimSpace(name) == "" {
				p = append(p, fmt.Sprintf("%s.projects[%d]: must be a project name or id", key, j))
			}
		}
	}
	if err := notify.ValidateRules(c.Alerts.Rules); err != nil {
		for _, e := range unjoin(err) {
			var ce *core.Error
			if errors.As(e, &ce) {
				p = append(p, "alerts."+ce.Field+": "+ce.Message)
			} else {
				p = append(p, "alerts.rules: "+e.Error())
			}
		}
	}
	return p
}

// unjoin returns the errors errors.Join combined, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
