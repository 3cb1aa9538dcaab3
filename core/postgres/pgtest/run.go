package pgtest

import (
	"fmt"
	"os"
	"testing"
)

// Run is Main without the exit: it runs the tests, stops and removes the
// throwaway cluster, and returns the tests' exit code, for a TestMain that
// has its own clean-up to do.
func Run(m *testing.M) int {
	mainRunning.Store(true)
	code := m.Run()
	if srv != nil && srv.cluster == nil {
		dropTemplates()
	}
	if srv != nil && srv.cluster != nil {
		if err := srv.cluster.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stopping the throwaway cluster: %v\n", err)
		}
	}
	return code
}
