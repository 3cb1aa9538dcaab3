package sdk

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLoggerSpeaksHCLogJSON checks the fields go-plugin's host parses from
// a plugin's stderr: @level, @message and @timestamp in hclog's layout.
func TestLoggerSpeaksHCLogJSON(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	old := stderr
	stderr = f
	t.Cleanup(func() { stderr = old })

	Logger().Warn("receiver slow", "status", 503)
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(data, &line); err != nil {
		t.Fatalf("log line %q: %v", data, err)
	}
	if line["@level"] != "warn" || line["@message"] != "receiver slow" || line["status"] != 503.0 {
		t.Errorf("log line = %v", line)
	}
	ts, _ := line["@timestamp"].(string)
	if _, err := time.Parse(hclogTime, ts); err != nil {
		t.Errorf("@timestamp %q does not parse as go-plugin expects: %v", ts, err)
	}
}
