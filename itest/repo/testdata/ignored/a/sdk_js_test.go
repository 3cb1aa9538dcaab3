package a

import "testing"

// Ignored on linux only because of the file name's suffix.
func TestNeverRuns(t *testing.T) {}
