package main

import (
	"errors"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/notify"
	"github.com/periscope-hq/periscope/core/threshold"
)

// checkConfig reports, one line per problem each naming its key, what the
// packages using the configuration's plain values find wrong with them:
// core/notify's host settings and destination filters, core/threshold's
// alert rules.
// (core/config itself checks only what needs no other package.)
func checkConfig(c *config.Config) []string {
	var p []string
	add := func(prefix, key string, err error) {
		for _, e := range unjoinErr(err) {
			var ce *core.Error
			if errors.As(e, &ce) && ce.Field != "" {
				p = append(p, prefix+ce.Field+": "+ce.Message)
			} else {
				p = append(p, key+": "+e.Error())
			}
		}
	}
	if err := notifyConfig(c).Validate(); err != nil {
		add("", "notify", err)
	}
	for i, d := range c.Notify.Destinations {
		if _, err := notify.CompileWhen(d.When); err != nil {
			p = append(p, fmt.Sprintf("notify.destinations[%d].when: %s", i, core.ErrorMessage(err)))
		}
	}
	if err := threshold.ValidateRules(alertRules(c)); err != nil {
		add("alerts.", "alerts.rules", err)
	}
	return p
}

// withChecks adds checkConfig's problems to what config.Load or
// config.Parse returned, so every problem is reported at once.
func withChecks(c *config.Config, err error) (*config.Config, error) {
	if c == nil {
		return c, err
	}
	p := checkConfig(c)
	if len(p) == 0 {
		return c, err
	}
	var ce *config.Errors
	if err != nil && !errors.As(err, &ce) {
		return c, err
	}
	if ce == nil {
		ce = &config.Errors{}
	}
	ce.Problems = append(ce.Problems, p...)
	return c, ce
}

func unjoinErr(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// notifyConfig is the plugin host and dispatcher settings of c: its
// notify section, which core/notify reads as it is.
func notifyConfig(c *config.Config) notify.Config { return notify.Config(c.Notify) }

// alertRules is alerts.rules as core's rules.
func alertRules(c *config.Config) []core.AlertRule {
	out := make([]core.AlertRule, 0, len(c.Alerts.Rules))
	for _, r := range c.Alerts.Rules {
		out = append(out, core.AlertRule{
			Name: r.Name, Kind: r.Kind, Events: r.Events, Window: r.Window,
			ActionInterval: r.ActionInterval, When: r.When,
		})
	}
	return out
}
