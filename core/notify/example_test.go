package notify

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// TestCustomNotifierFromOutsideTheModule builds the SDK's documented
// example (sdk/examples/jsonl) as its own module that depends on the sdk
// only, points a destination at the binary by path, and sees the
// dispatcher's notification arrive in its file.
func TestCustomNotifierFromOutsideTheModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module from scratch")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	src, err := os.ReadFile(filepath.Join(root, "sdk/examples/jsonl/main.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/periscope-plugin-jsonl\n\ngo 1.26\n\n" +
		"require github.com/periscope-hq/periscope v0.0.0\n\n" +
		"replace github.com/periscope-hq/periscope => " + root + "\n"
	for name, data := range map[string][]byte{"main.go": src, "go.mod": []byte(gomod), "go.sum": sum} {
		if err := os.WriteFile(filepath.Join(mod, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "periscope-plugin-jsonl")
	flags, env := sdktest.BuildConfig()
	cmd := exec.Command("go", append(append([]string{"build", "-mod=mod"}, flags...), "-o", bin, ".")...)
	cmd.Dir = mod
	cmd.Env = append(env, "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the example as an outside module: %v\n%s", err, out)
	}
	// The outside module must not pull in Periscope's server.
	list := exec.Command("go", "list", "-deps", ".")
	list.Dir, list.Env = mod, cmd.Env
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/periscope-hq/periscope/") && !strings.HasPrefix(dep, "github.com/periscope-hq/periscope/sdk") {
			t.Errorf("the example depends on %s", dep)
		}
	}

	outFile := filepath.Join(t.TempDir(), "alerts.jsonl")
	store := newFakeStore()
	store.add(1, &core.Destination{ID: 9, Name: "audit", Plugin: bin, Config: map[string]any{"path": outFile}, Source: "config"}, testIssue())
	mustDispatcher(t, store, fastConfig())
	waitFor(t, "delivery", func() bool { return store.state(1) != core.NotificationPending })
	if n, attempts := store.get(1); n.State != core.NotificationDelivered {
		t.Fatalf("state %s, attempts %+v", n.State, attempts)
	}
	f, err := os.Open(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		t.Fatal("the custom notifier wrote nothing")
	}
	var got sdk.Notification
	if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.IdempotencyKey != "alert-1-dest-9" || got.Issue.Title != "ValueError: bad input" || got.Event.Environment != "production" {
		t.Errorf("custom notifier got %+v", got)
	}
}
