package config

import (
	"fmt"
	"strings"
)

// validateAlerting checks the shape of notify.destinations (names present
// and unique, a plugin named, project names not blank), one line per
// problem, each starting with its key. What only core/notify knows (the
// when expressions, alert rule kinds and windows, the plugin host
// settings) is checked by the binary with core/notify, and plugins check
// their own config at start-up, when they can be run.
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
		for j, name := range d.Projects {
			if strings.TrimSpace(name) == "" {
				p = append(p, fmt.Sprintf("%s.projects[%d]: must be a project name or id", key, j))
			}
		}
	}
	return p
}
