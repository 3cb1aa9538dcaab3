package sdk

import (
	"os"
	"strings"
	"testing"
)

// TestDocsShowTheExample keeps README.md and doc.go in step with the
// example that is built and tested (sdk/examples/jsonl).
func TestDocsShowTheExample(t *testing.T) {
	src, err := os.ReadFile("examples/jsonl/main.go")
	if err != nil {
		t.Fatal(err)
	}
	// The docs show the program without its leading command comment.
	code := string(src[strings.Index(string(src), "package main"):])
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+code+"```") {
		t.Error("README.md does not show examples/jsonl/main.go verbatim")
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var commented strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(code, "\n"), "\n") {
		if l == "" {
			commented.WriteString("//\n")
		} else {
			commented.WriteString("//\t" + l + "\n")
		}
	}
	if !strings.Contains(string(doc), commented.String()) {
		t.Error("doc.go does not show examples/jsonl/main.go verbatim")
	}
}
