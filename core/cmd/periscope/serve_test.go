package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/storetest"
)

// TestServeLogsIngestSummary: a running server configured with
// log.ingest_summary_interval logs what the pipeline stored, per project.
func TestServeLogsIngestSummary(t *testing.T) {
	logs := &storetest.LogBuffer{}
	s := MustRunMain(t, withLogger(slog.New(slog.NewJSONHandler(logs, nil))), withYAML("log:\n  ingest_summary_interval: 20ms\n"))
	pid, dsn := s.project("summarized")
	s.store(dsn, `{"message":"one"}`)
	s.store(dsn, `{"message":"two"}`)
	stored := func() (n float64) {
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct {
				Msg      string                    `json:"msg"`
				Projects map[string]map[string]any `json:"projects"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "ingest summary" {
				v, _ := l.Projects[fmt.Sprint(pid)]["stored"].(float64)
				n += v
			}
		}
		return n
	}
	waitFor(t, "summary lines adding up to 2 stored events", func() bool { return stored() == 2 })
}
