package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/config"
)

// TestIngestSummaryInterval: log.ingest_summary_interval defaults to a
// minute, is set from YAML or PERISCOPE_LOG_INGEST_SUMMARY_INTERVAL, 0
// turns the line off, and a negative value is refused naming the key.
func TestIngestSummaryInterval(t *testing.T) {
	c, err := config.Parse(nil, nil)
	if err != nil || c.Log.IngestSummaryInterval != time.Minute {
		t.Fatalf("default: %v, %v; want 1m", c.Log.IngestSummaryInterval, err)
	}
	c, err = config.Parse([]byte("log:\n  ingest_summary_interval: 10s\n"), nil)
	if err != nil || c.Log.IngestSummaryInterval != 10*time.Second {
		t.Fatalf("from YAML: %v, %v; want 10s", c.Log.IngestSummaryInterval, err)
	}
	c, err = config.Parse(nil, []string{"PERISCOPE_LOG_INGEST_SUMMARY_INTERVAL=0"})
	if err != nil || c.Log.IngestSummaryInterval != 0 {
		t.Fatalf("from the environment: %v, %v; want 0", c.Log.IngestSummaryInterval, err)
	}
	if _, err := config.Parse([]byte("log:\n  ingest_summary_interval: -1s\n"), nil); err == nil || !strings.Contains(err.Error(), "log.ingest_summary_interval") {
		t.Fatalf("negative: %v, want an error naming log.ingest_summary_interval", err)
	}
}
