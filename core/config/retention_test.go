package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/config"
)

func TestRetentionDefaults(t *testing.T) {
	c, err := config.Parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Retention{Days: 90, MaxEventsPerProject: 0, Interval: time.Hour, BatchSize: 1000}
	if c.Retention != want {
		t.Errorf("retention defaults: %+v, want %+v", c.Retention, want)
	}
}

func TestRetentionFromFileAndEnvironment(t *testing.T) {
	yaml := []byte("retention:\n  days: 14\n  max_events_per_project: 50000\n  interval: 10m\n  batch_size: 200\n")
	c, err := config.Parse(yaml, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (config.Retention{Days: 14, MaxEventsPerProject: 50000, Interval: 10 * time.Minute, BatchSize: 200}); c.Retention != want {
		t.Errorf("retention from YAML: %+v, want %+v", c.Retention, want)
	}
	c, err = config.Parse(yaml, []string{"PERISCOPE_RETENTION_DAYS=0", "PERISCOPE_RETENTION_MAX_EVENTS_PER_PROJECT=10",
		"PERISCOPE_RETENTION_INTERVAL=30s", "PERISCOPE_RETENTION_BATCH_SIZE=5"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (config.Retention{Days: 0, MaxEventsPerProject: 10, Interval: 30 * time.Second, BatchSize: 5}); c.Retention != want {
		t.Errorf("retention from the environment: %+v, want %+v", c.Retention, want)
	}
	names := config.EnvNames()
	for _, key := range []string{"retention.days", "retention.max_events_per_project", "retention.interval", "retention.batch_size"} {
		name := "PERISCOPE_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		if names[name] != key {
			t.Errorf("EnvNames()[%s] = %q, want %q", name, names[name], key)
		}
	}
}

func TestRetentionProblemsNameTheirKey(t *testing.T) {
	yaml := []byte("retention:\n  days: -1\n  max_events_per_project: -5\n  interval: 10ms\n  batch_size: 0\n")
	_, err := config.Parse(yaml, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"retention.days:", "retention.max_events_per_project:", "retention.interval:", "retention.batch_size:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
	for _, bad := range []string{"retention:\n  batch_size: 10001\n", "retention:\n  days: 40000\n", "retention:\n  interval: 0s\n"} {
		if _, err := config.Parse([]byte(bad), nil); err == nil || !strings.Contains(err.Error(), "retention.") {
			t.Errorf("%q: got %v, want an error naming its retention key", bad, err)
		}
	}
}
