package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/config"
)

func TestAlertingConfig(t *testing.T) {
	yaml := []byte(`
notify:
  destinations:
    - name: ops
      plugin: webhook
      config: {url: "https://hooks.example.com/x", headers: {X-Token: abc}}
      when: 'alert.kind == "new_issue"'
    - name: team
      plugin: /opt/periscope/periscope-plugin-jsonl
      projects: [checkout, 7]
alerts:
  rules:
    - name: storm
      events: 100
      window: 10m
    - name: slow-burn
      kind: threshold
      events: 10
      window: 1h
      action_interval: 6h
      when: 'event.environment == "production"'
`)
	c, err := config.Parse(yaml, nil)
	if err != nil {
		t.Fatal(err)
	}
	ds := c.Notify.Destinations
	if len(ds) != 2 || ds[0].Name != "ops" || ds[0].Plugin != "webhook" || ds[0].When == "" || len(ds[0].Projects) != 0 {
		t.Fatalf("destinations %+v", ds)
	}
	headers, _ := ds[0].Config["headers"].(map[string]any)
	if ds[0].Config["url"] != "https://hooks.example.com/x" || headers["X-Token"] != "abc" {
		t.Errorf("config %#v", ds[0].Config)
	}
	if got := strings.Join(ds[1].Projects, ","); got != "checkout,7" {
		t.Errorf("projects %q", got)
	}
	rs := c.Alerts.Rules
	if len(rs) != 2 || rs[0].Name != "storm" || rs[0].Events != 100 || rs[0].Window != 10*time.Minute ||
		rs[1].ActionInterval != 6*time.Hour || rs[1].Kind != "threshold" || rs[1].When == "" {
		t.Errorf("rules %+v", rs)
	}
}

func TestAlertingConfigErrorsNameKeys(t *testing.T) {
	yaml := []byte(`
notify:
  destinations:
    - name: ops
      plugin: webhook
      when: 'issue.levle == "error"'
    - name: ops
    - plugin: slack
      pluginn: typo
alerts:
  rules:
    - name: storm
      events: 0
      window: 10m
      action_interval: soon
    - name: storm
      kind: frequency
      events: 5
`)
	_, err := config.Parse(yaml, nil)
	var ce *config.Errors
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *config.Errors", err)
	}
	got := strings.Join(ce.Problems, "\n")
	// The when expressions and the alert rules' kinds, windows and names
	// are core/notify's to check: core/cmd/periscope's TestConfigCheckNotify.
	for _, want := range []string{
		"notify.destinations[1].name: \"ops\" is already the name of notify.destinations[0]",
		"notify.destinations[1].plugin: is required",
		"notify.destinations[2].name: is required",
		"pluginn",
		"action_interval",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no problem mentioning %q in:\n%s", want, got)
		}
	}
}
