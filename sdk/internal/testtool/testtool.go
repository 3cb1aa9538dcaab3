// Package testtool decides what a test does when something it needs from
// the machine (a program such as protoc, or the files a package installs)
// is missing: on a developer's machine the test skips and says what to
// install; under CI it fails, because CI (.ci/run) is expected to have
// installed everything, and a skip there would hide a test that never ran.
//
// CI is detected from the CI environment variable, which CI services set
// to "true": any value but empty, "0" or "false" counts.
package testtool

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// UnderCI reports whether the CI environment variable is set to a value
// other than empty, "0" or "false".
func UnderCI() bool {
	v := os.Getenv("CI")
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

// Missing ends tb because what is not on this machine: it skips, or fails
// when UnderCI. install says how to get it (a command line).
func Missing(tb testing.TB, what, install string) {
	tb.Helper()
	if UnderCI() {
		tb.Fatalf("%s is missing and CI is set, so this test may not skip: install it (%s)", what, install)
	}
	tb.Skipf("%s is missing; skipping (install it: %s). Under CI=true this fails", what, install)
}

// Need returns the path of the program name found in PATH, or calls
// Missing for it.
func Need(tb testing.TB, name, install string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "the program "+name, install)
	}
	return p
}
