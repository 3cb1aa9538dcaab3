package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/config"
)

// TestConfigCheckNotify: the problems only core/notify can find (host
// settings, destination filters, alert rules) are reported with the
// configuration's own, each naming its key.
func TestConfigCheckNotify(t *testing.T) {
	yaml := []byte(`
notify:
  workers: -1
  allow_private_hosts: [relay.internal]
  backoff:
    max_attempts: -2
  destinations:
    - name: ops
      plugin: webhook
      when: 'issue.levle == "error"'
    - name: ops
alerts:
  rules:
    - name: storm
      events: 0
      window: 10m
    - name: storm
      kind: frequency
      events: 5
`)
	_, err := withChecks(config.Parse(yaml, nil))
	var ce *config.Errors
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *config.Errors", err)
	}
	got := strings.Join(ce.Problems, "\n")
	for _, want := range []string{
		"notify.workers: must be at least 1",
		"notify.allow_private_hosts:",
		"notify.backoff.max_attempts: must be at least 1",
		"notify.destinations[0].when:",
		"notify.destinations[1].name: \"ops\" is already the name of notify.destinations[0]", // from core/config
		"notify.destinations[1].plugin: is required",
		"alerts.rules[0].events:",
		"alerts.rules[1].kind:",
		"alerts.rules[1].window:",
		"alerts.rules[1].name:",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no problem mentioning %q in:\n%s", want, got)
		}
	}
	if _, err := withChecks(config.Parse(nil, nil)); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestConfigCheckAlertDefaults: alert rules reach core/notify with its
// defaults applied.
func TestConfigCheckAlertDefaults(t *testing.T) {
	c, err := withChecks(config.Parse([]byte("alerts:\n  rules:\n    - name: storm\n      events: 100\n      window: 10m\n"), nil))
	if err != nil {
		t.Fatal(err)
	}
	rs := alertRules(c)
	if len(rs) != 1 {
		t.Fatalf("rules %+v", rs)
	}
	if r := rs[0].WithDefaults(); r.Kind != "threshold" || r.ActionInterval.Minutes() != 30 || r.Events != 100 {
		t.Errorf("rule with defaults %+v", r)
	}
}
