package testtool

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a helper ended it.
type recorder struct {
	testing.TB
	ended string // "fatal", "skip" or "" (returned)
	msg   string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.ended, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.ended, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with a recorder on its own goroutine (the recorder ends it
// the way testing does) and returns the recorder.
func run(t *testing.T, fn func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

func TestNeedMissingProgram(t *testing.T) {
	const absent = "periscope-no-such-program-7f3a"
	for _, c := range []struct {
		ci   string
		want string
	}{
		{"", "skip"},
		{"false", "skip"},
		{"0", "skip"},
		{"true", "fatal"},
		{"1", "fatal"},
		{"yes", "fatal"},
	} {
		t.Run("CI="+c.ci, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			r := run(t, func(tb testing.TB) { Need(tb, absent, "apt-get install it") })
			if r.ended != c.want {
				t.Fatalf("ended with %q (%s), want %q", r.ended, r.msg, c.want)
			}
			if !strings.Contains(r.msg, absent) || !strings.Contains(r.msg, "apt-get install it") {
				t.Errorf("message %q does not name the program and how to install it", r.msg)
			}
		})
	}
}

func TestNeedPresentProgram(t *testing.T) {
	t.Setenv("CI", "true")
	var path string
	r := run(t, func(tb testing.TB) { path = Need(tb, "go", "install Go") })
	if r.ended != "" || path == "" {
		t.Errorf("Need(go) ended with %q (%s), path %q; want the path of go", r.ended, r.msg, path)
	}
}
