package repo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNoTestFileIgnoredByName fails when a _test.go file in the module is
// left out of the build only because its name ends in a GOOS or GOARCH
// (sdk_js_test.go reads as "GOOS=js only", so its tests never ran). A file
// that states its own //go:build line (the sentrygen generator) chose to be
// left out and passes.
func TestNoTestFileIgnoredByName(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root is not two folders up: %v", err)
	}
	bad, _, pkgs := ignoredByName(t, root)
	for _, b := range bad {
		t.Errorf("%s", b)
	}
	if pkgs < 10 {
		t.Errorf("go list reported %d packages; the check is not looking at the tree", pkgs)
	}
}

// TestIgnoredByNameFindsSuffixes runs the same check on a small module in
// testdata that holds one test file of each kind, so the check is shown to
// fail where it should and only there.
func TestIgnoredByNameFindsSuffixes(t *testing.T) {
	bad, seen, _ := ignoredByName(t, filepath.Join("testdata", "ignored"))
	var got []string
	for _, b := range bad {
		got = append(got, filepath.Base(strings.Fields(b)[0]))
	}
	want := []string{"sdk_js_test.go", "unit_wasm_test.go", "win_windows_test.go"}
	if !slices.Equal(got, want) {
		t.Errorf("flagged %v, want %v (ignored files seen: %v)", got, want, seen)
	}
	if !slices.ContainsFunc(seen, func(f string) bool { return strings.HasSuffix(f, "gen_test.go") }) {
		t.Errorf("the tagged file gen_test.go was not among the ignored files %v", seen)
	}
}

// ignoredByName lists the module's ignored _test.go files (go list) and
// returns one message for each that states no build constraint of its
// own, so only its name keeps it out; seen is every ignored file and pkgs
// the number of packages listed.
func ignoredByName(t *testing.T, dir string) (bad, seen []string, pkgs int) {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=Dir,IgnoredGoFiles", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v\n%s", dir, err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var pkg struct {
			Dir            string
			IgnoredGoFiles []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs++
		for _, name := range pkg.IgnoredGoFiles {
			path := filepath.Join(pkg.Dir, name)
			seen = append(seen, path)
			if !strings.HasSuffix(name, "_test.go") {
				continue
			}
			tagged, err := statesBuildConstraint(path)
			if err != nil {
				t.Fatal(err)
			}
			if !tagged {
				bad = append(bad, fmt.Sprintf("%s is ignored by the go tool only because of its name (a _GOOS or _GOARCH suffix such as _js, _wasm, _windows): its tests never run. Rename it, or state a //go:build line if leaving it out is meant", path))
			}
		}
	}
	return bad, seen, pkgs
}

// statesBuildConstraint reports whether the file has a //go:build or
// // +build line before its package clause.
func statesBuildConstraint(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "package ") {
			return false, nil
		}
		if strings.HasPrefix(line, "//go:build ") || strings.HasPrefix(line, "// +build ") {
			return true, nil
		}
	}
	return false, sc.Err()
}
