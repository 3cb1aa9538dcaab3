package sdk

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/sdk/internal/testtool"
)

const module = "github.com/periscope-hq/periscope"

// TestDependencyDirection keeps sdk free of core, rules and plugins (so it
// can become its own module), and each plugin free of everything in the
// module but sdk.
func TestDependencyDirection(t *testing.T) {
	testtool.Need(t, "go", "https://go.dev/dl/")
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, module+"/sdk/...", module+"/plugins/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	checkedPlugin := false
	for _, line := range lines {
		fields := strings.Fields(line)
		pkg, deps := fields[0], fields[1:]
		isPlugin := strings.HasPrefix(pkg, module+"/plugins/")
		checkedPlugin = checkedPlugin || isPlugin
		for _, d := range deps {
			if !strings.HasPrefix(d, module+"/") {
				continue
			}
			rel := strings.TrimPrefix(d, module+"/")
			if isPlugin && !strings.HasPrefix(rel, "sdk/") && rel != "sdk" && !strings.HasPrefix(d, pkg) {
				t.Errorf("%s imports %s; plugins may import only sdk", pkg, d)
			}
			if !isPlugin && (strings.HasPrefix(rel, "core") || strings.HasPrefix(rel, "rules") || strings.HasPrefix(rel, "plugins")) {
				t.Errorf("%s imports %s; sdk must not import core, rules or plugins", pkg, d)
			}
		}
	}
	if len(lines) < 5 || !checkedPlugin {
		t.Errorf("go list saw %d packages (plugins among them: %v); the check is not looking at the tree", len(lines), checkedPlugin)
	}
}
