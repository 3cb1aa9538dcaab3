package main

import (
	"strings"
	"testing"
)

// TestHelp: `periscope --help` lists every command with one line each, and
// every command and subcommand answers --help and -h with its own usage on
// stdout and exit 0, without doing anything else (no server is running,
// no database is opened).
func TestHelp(t *testing.T) {
	t.Setenv("PERISCOPE_URL", "")
	t.Setenv("API_SECRET_KEY_ADMIN", "")
	t.Chdir(t.TempDir()) // no config.yaml, no database created
	for _, flag := range []string{"--help", "-h", "help"} {
		out, errOut, code := runCLI(t, flag)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "Usage: periscope <command>") {
			t.Fatalf("periscope %s: exit %d, stderr %q, stdout:\n%s", flag, code, errOut, out)
		}
		for _, c := range commands {
			if !strings.Contains(out, "\n  "+c.name+" ") {
				t.Errorf("periscope %s does not list %s:\n%s", flag, c.name, out)
			}
		}
	}
	var paths [][]string
	for _, c := range commands {
		paths = append(paths, []string{c.name})
		for _, v := range c.verbs {
			paths = append(paths, []string{c.name, v})
		}
	}
	if len(paths) < 25 {
		t.Fatalf("only %d commands and subcommands: %v", len(paths), paths)
	}
	for _, p := range paths {
		name := strings.Join(p, " ")
		for _, flag := range []string{"--help", "-h"} {
			out, errOut, code := runCLI(t, append(p, flag)...)
			rest, ok := strings.CutPrefix(out, "Usage: periscope "+name)
			if code != 0 || errOut != "" || !ok || !(strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\n")) {
				t.Errorf("periscope %s %s: exit %d, stderr %q, stdout:\n%s", name, flag, code, errOut, out)
			}
			if strings.Contains(out, "Usage of") {
				t.Errorf("periscope %s %s prints the flag package's bare usage:\n%s", name, flag, out)
			}
		}
	}
	// help for one command, and a wrong flag: usage on stderr, exit 2.
	if out, _, code := runCLI(t, "help", "issue"); code != 0 || !strings.HasPrefix(out, "Usage: periscope issue ") {
		t.Errorf("periscope help issue: exit %d:\n%s", code, out)
	}
	if out, errOut, code := runCLI(t, "issue", "list", "--bogus"); code != exitUsage || out != "" || !strings.Contains(errOut, "bogus") || !strings.Contains(errOut, "periscope issue list --help") {
		t.Errorf("issue list --bogus: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
