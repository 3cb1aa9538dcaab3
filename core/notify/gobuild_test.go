package notify

import (
	"os"
	"runtime/debug"
)

// goBuildConfig returns the go build flags and environment that build
// binaries the way this test binary was built: with -race and cgo under
// `go test -race` (the race detector needs cgo), without them otherwise.
// One build configuration means a cold `make test` compiles the standard
// library and every dependency once, for the test binaries, and the
// plugin builds find them all in the build cache. (itest has the same
// function for the server it builds.)
func goBuildConfig() (flags, env []string) {
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
