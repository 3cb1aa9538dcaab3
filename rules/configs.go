package rules

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// Grouping configuration ids, as Sentry names them (protocol notes §7.1).
const (
	// ConfigNewstyle2023 is what every Sentry project created before 2026
	// uses, and Periscope's default.
	ConfigNewstyle2023 = core.GroupingConfig2023
	// ConfigNewstyle2026 is Sentry's default for new projects since
	// January 2026.
	ConfigNewstyle2026 = core.GroupingConfig2026
)

// ConfigID is the grouping configuration of a Defaults without one.
const ConfigID = ConfigNewstyle2023

// Configs lists the grouping configurations Periscope implements.
func Configs() []string { return []string{ConfigNewstyle2023, ConfigNewstyle2026} }

// CheckConfig returns an error naming the known ids when id is not one.
func CheckConfig(id string) error {
	if configByID(id) == nil {
		return fmt.Errorf("unknown grouping config %q (want %s)", id, strings.Join(Configs(), " or "))
	}
	return nil
}

// groupingConfig is what differs between configurations. They share one
// algorithm; each field is a switch of it.
type groupingConfig struct {
	id string
	// legacyExceptionOrder puts an exception's stacktrace before its type
	// and value (2023); otherwise the order is type, value, ns-error,
	// stacktrace.
	legacyExceptionOrder bool
	// jsSingleFrameWithURL keeps the 2023 behaviour of the single-frame
	// JavaScript check: it drops a lone function-less frame that HAS a URL
	// (meant: one that has none).
	jsSingleFrameWithURL bool
	// keepMultiprocessingLines leaves the numbers of CPython's
	// "spawn_main(tracker_fd=12, pipe_handle=31)" context lines alone
	// (2023); otherwise they become <int>.
	keepMultiprocessingLines bool
	// parameterizeFingerprintMessage parameterizes the {{ message }}
	// fingerprint variable ("bring <int> balls"). Sentry's 2026 snapshots
	// show it; its 2023 ones, taken from older code, keep the raw message,
	// so it is kept as a difference of the configuration here.
	parameterizeFingerprintMessage bool
	// base is the built-in stack trace rules.
	base *Enhancements
}

//go:embed enhancements2026.txt
var enhancements2026Text string

var (
	config2023 = &groupingConfig{id: ConfigNewstyle2023, legacyExceptionOrder: true,
		jsSingleFrameWithURL: true, keepMultiprocessingLines: true, base: builtinEnhancements}
	config2026 = &groupingConfig{id: ConfigNewstyle2026, parameterizeFingerprintMessage: true,
		base: mustParseEnhancements(enhancements2026Text)}
)

func configByID(id string) *groupingConfig {
	switch id {
	case "", ConfigNewstyle2023:
		return config2023
	case ConfigNewstyle2026:
		return config2026
	}
	return nil
}

// multiprocessingLine is the command line CPython's multiprocessing puts
// in a spawned child's "<string>" frame, with a pipe and a descriptor or
// process id that change with every run.
var multiprocessingLine = regexp.MustCompile(`^from multiprocessing\.spawn import spawn_main; spawn_main\((?:tracker_fd|parent_pid)=[0-9]+, pipe_handle=[0-9]+\)`)

var multiprocessingNumber = regexp.MustCompile(`=[0-9]+`)

// multiprocessingContextLine returns the parameterized context line of a
// spawned Python child's entry frame, or "" when fs is no such frame.
func multiprocessingContextLine(fs *frameState, evPlatform string) string {
	f := fs.f
	if evPlatform != "python" || f.ContextLine == nil || f.Module != "__main__" || f.Filename != "<string>" || f.Function != "<module>" {
		return ""
	}
	if !multiprocessingLine.MatchString(*f.ContextLine) {
		return ""
	}
	return multiprocessingNumber.ReplaceAllString(*f.ContextLine, "=<int>")
}
