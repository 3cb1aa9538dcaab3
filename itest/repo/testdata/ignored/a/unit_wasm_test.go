package a

import "testing"

// Ignored on linux only because of the file name's suffix.
func TestNeverRunsWasm(t *testing.T) {}
