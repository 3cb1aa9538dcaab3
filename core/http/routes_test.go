package http_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

var update = flag.Bool("update", false, "rewrite testdata/routes.txt from the routes the server registers")

// TestRouteTable pins every route the server registers (method, path and
// the chain of middleware and handler it runs, in Fiber's order) to
// testdata/routes.txt, so that moving route registrations around cannot
// drop, add, rewire or reorder one unnoticed. After a deliberate change, run with -update and review the
// diff.
func TestRouteTable(t *testing.T) {
	ts := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	// Fiber tries a method's routes, middleware included, in the order
	// they were added, so the order is part of what is pinned.
	var lines []string
	for _, r := range ts.App().GetRoutes(false) {
		if r.Method == "HEAD" || r.Method == "CONNECT" || r.Method == "TRACE" { // fiber mirrors GET; middleware repeats per method
			continue
		}
		var chain []string
		for _, h := range r.Handlers {
			name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
			name = name[strings.LastIndex(name, "/")+1:]
			chain = append(chain, strings.TrimSuffix(name, "-fm"))
		}
		lines = append(lines, fmt.Sprintf("%-7s %-70s %s", r.Method, r.Path, strings.Join(chain, " ")))
	}
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", "routes.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestRouteTable -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("the registered routes differ from %s (go test -run TestRouteTable -update rewrites it):\ngot:\n%s", path, got)
	}
	if len(lines) < 40 {
		t.Errorf("only %d routes registered", len(lines))
	}
}
