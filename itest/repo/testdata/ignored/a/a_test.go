package a

import "testing"

func TestCompiled(t *testing.T) {}
