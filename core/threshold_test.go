package core_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

func TestAlertRuleDecisions(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	r := core.AlertRule{Name: "storm", Events: 5, Window: 10 * time.Minute}.WithDefaults()
	if r.Kind != core.RuleThreshold || r.ActionInterval != core.DefaultRuleActionInterval {
		t.Errorf("defaults: %+v", r)
	}
	if got := r.WindowStart(now); !got.Equal(now.Add(-10 * time.Minute)) {
		t.Errorf("WindowStart = %v, want 10m before now", got)
	}
	if r.Reached(4) || !r.Reached(5) || !r.Reached(6) {
		t.Errorf("Reached(4,5,6) = %v %v %v, want false true true", r.Reached(4), r.Reached(5), r.Reached(6))
	}
	if !r.Quiet(now.Add(-29*time.Minute), now) || r.Quiet(now.Add(-30*time.Minute), now) {
		t.Errorf("Quiet: 29m after firing should be quiet, 30m (the interval) not")
	}
	if (&core.Issue{Status: core.StatusIgnored}).RaisesThresholdAlerts() {
		t.Error("an ignored issue raises threshold alerts")
	}
	for _, s := range []string{core.StatusUnresolved, core.StatusResolved} {
		if !(&core.Issue{Status: s}).RaisesThresholdAlerts() {
			t.Errorf("a %s issue raises no threshold alerts", s)
		}
	}
}

func TestAlertRuleValidate(t *testing.T) {
	if err := (core.AlertRule{Name: "ok", Events: 1, Window: time.Minute}).Validate(); err != nil {
		t.Errorf("a valid rule: %v", err)
	}
	err := core.AlertRule{Name: "", Kind: "loud", Events: 0, Window: 0, ActionInterval: time.Millisecond}.Validate()
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *core.Error
		if !errors.As(e, &ce) || ce.Code != core.EINVALID {
			t.Fatalf("not an EINVALID core error: %v", e)
		}
		fields = append(fields, ce.Field)
	}
	if got, want := strings.Join(fields, ","), "name,kind,events,window,action_interval"; got != want {
		t.Errorf("fields %s, want %s", got, want)
	}
}
