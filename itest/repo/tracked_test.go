package repo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTrackedBytes is the largest file the repository may track. The biggest
// legitimate files (openapi.json, generated protobuf code, the npm lock) are
// under 100 KB; a built binary is tens of megabytes.
const maxTrackedBytes = 1 << 20

// TestNoLargeTrackedFiles fails when git tracks a file over 1 MiB: twice a
// built periscope binary was committed by accident. It needs the source to
// be a git checkout, as CI's clone and every developer's tree are.
func TestNoLargeTrackedFiles(t *testing.T) {
	root := filepath.Join("..", "..")
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v (the test reads the checkout's tracked files)", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 100 {
		t.Fatalf("git ls-files listed %d files; the check is not looking at the tree", len(files))
	}
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the work tree, not yet committed
		}
		if fi.Size() > maxTrackedBytes {
			t.Errorf("%s is tracked and %d bytes: a build output? remove it with git rm --cached and list it in .gitignore", f, fi.Size())
		}
	}
}
