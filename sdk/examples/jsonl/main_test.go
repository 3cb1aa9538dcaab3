package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

func TestConformance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	sdktest.Conformance(t, &jsonl{}, sdk.Config{"path": path})

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var n sdk.Notification
		if err := json.Unmarshal(sc.Bytes(), &n); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		keys[n.IdempotencyKey] = true
	}
	if len(keys) != 5 || !keys["sdktest-0"] || !keys["sdktest-4"] {
		t.Errorf("got notifications %v, want sdktest-0 … sdktest-4", keys)
	}
}
