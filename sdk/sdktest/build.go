package sdktest

import (
	"os"
	"runtime/debug"
)

// BuildConfig returns the go build flags and environment that build a
// binary (a plugin, or Periscope itself) the way the running test binary
// was built: with -race and cgo under `go test -race` (the race detector
// needs cgo), without them otherwise, with the same -tags, -gcflags,
// -asmflags and -trimpath. One build configuration means the binary's
// build finds the standard library and every dependency already compiled
// in the build cache, and a binary built under `go test -race` reports
// its own data races.
func BuildConfig() (flags, env []string) {
	env = os.Environ()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, append(env, "CGO_ENABLED=0")
	}
	cgo := "0"
	for _, s := range info.Settings {
		switch s.Key {
		case "CGO_ENABLED":
			cgo = s.Value
		case "-race":
			if s.Value == "true" {
				flags = append(flags, "-race")
			}
		case "-tags", "-gcflags", "-asmflags":
			flags = append(flags, s.Key+"="+s.Value)
		case "-trimpath":
			if s.Value == "true" {
				flags = append(flags, "-trimpath")
			}
		}
	}
	return flags, append(env, "CGO_ENABLED="+cgo)
}
