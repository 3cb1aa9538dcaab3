//go:build gen

package a

import "testing"

// Left out on purpose: it runs only with -tags gen.
func TestGenerate(t *testing.T) {}
