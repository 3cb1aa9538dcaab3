package itest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/storetest"
)

// errorsTB records what a test reports through Errorf.
type errorsTB struct {
	testing.TB
	errors []string
}

func (tb *errorsTB) Helper() {}

func (tb *errorsTB) Errorf(format string, args ...any) {
	tb.errors = append(tb.errors, fmt.Sprintf(format, args...))
}

// TestCheckRacesFailsOnARaceReport: a server whose log holds the race
// detector's report fails the test, once even across a restart; a clean
// log does not.
func TestCheckRacesFailsOnARaceReport(t *testing.T) {
	tb := &errorsTB{TB: t}
	s := &Server{tb: tb, logs: &storetest.LogBuffer{}}
	fmt.Fprintln(s.logs, `time=... level=INFO msg="periscope is serving"`)
	s.checkRaces()
	if len(tb.errors) != 0 {
		t.Fatalf("a clean log failed the test: %q", tb.errors)
	}
	fmt.Fprintln(s.logs, "==================\nWARNING: DATA RACE\nWrite at 0x00c000123456 by goroutine 7:")
	s.checkRaces()
	s.checkRaces()
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "goroutine 7") {
		t.Fatalf("got errors %q, want one holding the race report", tb.errors)
	}
}
