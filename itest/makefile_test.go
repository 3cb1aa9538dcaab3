package itest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMakeRunSaysWhatItDoes: the first `make run` compiles for about a
// minute; before anything is compiled it must say so, rather than sit
// silent. `make -n` prints the recipe without running it.
func TestMakeRunSaysWhatItDoes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed: %v", err)
	}
	cmd := exec.Command("make", "-n", "run")
	cmd.Dir = repoRoot()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n run: %v\n%s", err, out)
	}
	announced := false
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "echo") && strings.Contains(line, "first build") && strings.Contains(line, "minute") {
			announced = true
		}
		if strings.Contains(line, "go build") || strings.Contains(line, "$(GO) build") {
			if !announced {
				t.Fatalf("make run compiles before saying what it does and how long the first build takes:\n%s", out)
			}
			return
		}
	}
	t.Fatalf("make -n run builds nothing?\n%s", out)
}
