package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUserCommands: create (generated and stdin passwords), list,
// set-password and delete, on the configured SQLite database.
func TestUserCommands(t *testing.T) {
	cliEnv(t)
	cfg := writeConfig(t, fmt.Sprintf("database:\n  sqlite:\n    path: %s\n", filepath.Join(t.TempDir(), "p.db")))

	out, errOut, code := runCLI(t, "user", "create", "--email", "Ada@Example.com", "--role", "admin", "--config", cfg)
	m := regexp.MustCompile(`Password: (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || len(m[1]) != 20 || !strings.Contains(out, "admin ada@example.com") {
		t.Fatalf("user create: exit %d, stdout %q, stderr %q; want a generated password printed once", code, out, errOut)
	}

	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader("a long password\n")
	out, errOut, code = runCLI(t, "user", "create", "--email", "bob@example.com", "--password-stdin", "--config", cfg)
	if code != 0 || strings.Contains(out, "Password:") || !strings.Contains(out, "member bob@example.com") {
		t.Fatalf("user create --password-stdin: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	stdin = strings.NewReader("short\n")
	if _, errOut, code = runCLI(t, "user", "create", "--email", "c@example.com", "--password-stdin", "--config", cfg); code != exitUsage || !strings.Contains(errOut, "password") {
		t.Fatalf("short password: exit %d, stderr %q; want %d naming the password", code, errOut, exitUsage)
	}
	if _, errOut, code = runCLI(t, "user", "create", "--email", "ada@example.com", "--config", cfg); code != exitConflict {
		t.Fatalf("taken email: exit %d, stderr %q; want %d", code, errOut, exitConflict)
	}
	if _, errOut, code = runCLI(t, "user", "create", "--email", "d@example.com", "--role", "owner", "--config", cfg); code != exitUsage || !strings.Contains(errOut, "role") {
		t.Fatalf("bad role: exit %d, stderr %q", code, errOut)
	}

	out, _, code = runCLI(t, "user", "list", "--config", cfg)
	if code != 0 || !regexp.MustCompile(`(?m)^1\s+ada@example.com\s+admin`).MatchString(out) || !regexp.MustCompile(`(?m)^2\s+bob@example.com\s+member`).MatchString(out) {
		t.Fatalf("user list: exit %d, stdout %q", code, out)
	}
	out, _, code = runCLI(t, "user", "set-password", "--email", "bob@example.com", "--config", cfg)
	if code != 0 || !strings.Contains(out, "Password: ") {
		t.Fatalf("user set-password: exit %d, stdout %q", code, out)
	}
	if _, _, code = runCLI(t, "user", "delete", "--email", "bob@example.com", "--config", cfg); code != 0 {
		t.Fatalf("user delete: exit %d", code)
	}
	if _, _, code = runCLI(t, "user", "delete", "--email", "bob@example.com", "--config", cfg); code != exitNotFound {
		t.Fatalf("user delete (again): exit %d, want %d", code, exitNotFound)
	}
}
