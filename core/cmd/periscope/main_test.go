package main

import (
	"testing"

	"github.com/periscope-hq/periscope/core/postgres/pgtest"
)

// TestMain removes the throwaway Postgres cluster of the tests that run
// the server on Postgres.
func TestMain(m *testing.M) { pgtest.Main(m) }
