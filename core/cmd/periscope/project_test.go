package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cliEnv clears the environment variables the CLI's configuration reads,
// so that only the test's config file speaks.
func cliEnv(t *testing.T) {
	for _, name := range []string{"PERISCOPE_URL", "API_SECRET_KEY_ADMIN", "PERISCOPE_PUBLIC_URL", "HOST", "PORT",
		"PERISCOPE_CONFIG", "PERISCOPE_SQLITE_PATH", "POSTGRES_ENABLED", "PERISCOPE_POSTGRES_URL"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
}

// writeConfig writes a config file for the CLI and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var dsnLine = regexp.MustCompile(`DSN: (\S+)`)

// TestProjectCreateAsksTheServer: the CLI's environment lacks the
// server's public URL, but it reaches the server at the configured
// address, so the project is created there and the DSN is the server's.
func TestProjectCreateAsksTheServer(t *testing.T) {
	s := MustRunMain(t, withEnv("PERISCOPE_PUBLIC_URL=https://errors.example.com"))
	_, port, _ := net.SplitHostPort(s.HTTP.Addr())
	cliEnv(t)
	cfg := writeConfig(t, fmt.Sprintf("server:\n  port: %s\nadmin:\n  secret_key: %s\ndatabase:\n  sqlite:\n    path: %s\n",
		port, testAdminKey, filepath.Join(t.TempDir(), "not-the-servers.db")))
	out, errOut, code := runCLI(t, "project", "create", "--name", "web", "--config", cfg)
	m := dsnLine.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !strings.HasPrefix(m[1], "https://") || !strings.Contains(m[1], "@errors.example.com/") {
		t.Errorf("DSN %s does not carry the server's public URL https://errors.example.com", m[1])
	}
	if errOut != "" {
		t.Errorf("stderr %q, want nothing when the server answered", errOut)
	}
	projects, err := s.client().ListProjects(context.Background())
	if err != nil || len(projects) != 1 || projects[0].Name != "web" || projects[0].Keys[0].DSN != m[1] {
		t.Errorf("the server has %+v (%v), want project web with DSN %s", projects, err, m[1])
	}
}

// TestProjectCreateWithoutServerWarns: no server answers at the
// configured address, so the project goes into the database directly and
// stderr names the public URL the DSN was built from.
func TestProjectCreateWithoutServerWarns(t *testing.T) {
	cliEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	db := filepath.Join(t.TempDir(), "periscope.db")
	cfg := writeConfig(t, fmt.Sprintf("server:\n  port: %d\ndatabase:\n  sqlite:\n    path: %s\ngrouping:\n  default_config: newstyle:2026-01-20\n", port, db))
	out, errOut, code := runCLI(t, "project", "create", "--name", "offline", "--config", cfg)
	m := dsnLine.FindStringSubmatch(out)
	public := fmt.Sprintf("http://127.0.0.1:%d", port)
	if code != 0 || m == nil || !strings.Contains(m[1], fmt.Sprintf("@127.0.0.1:%d/", port)) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "warning") || !strings.Contains(errOut, "public URL "+public) {
		t.Errorf("stderr does not warn naming the public URL %s:\n%s", public, errOut)
	}
	c, err := loadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store, _, err := openStore(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ps, err := store.FindProjects(context.Background())
	if err != nil || len(ps) != 1 || ps[0].Name != "offline" {
		t.Fatalf("database holds %v, %v; want project offline", ps, err)
	}
	if ps[0].GroupingConfig == "" || ps[0].GroupingConfig != c.Grouping.DefaultConfig {
		t.Errorf("project offline has grouping_config %q, want grouping.default_config %q as the admin API gives", ps[0].GroupingConfig, c.Grouping.DefaultConfig)
	}
	if _, errOut, code := runCLI(t, "project", "create", "--name", "offline", "--config", cfg); code != exitConflict {
		t.Errorf("duplicate: exit %d (%s), want %d", code, errOut, exitConflict)
	}
}

// TestProjectCreateServerWithoutKeyWarns: a server answers, but this
// shell has no admin key: the database is used, with the warning.
func TestProjectCreateServerWithoutKeyWarns(t *testing.T) {
	s := MustRunMain(t)
	_, port, _ := net.SplitHostPort(s.HTTP.Addr())
	cliEnv(t)
	cfg := writeConfig(t, fmt.Sprintf("server:\n  port: %s\ndatabase:\n  sqlite:\n    path: %s\n", port, s.Config.Database.SQLite.Path))
	out, errOut, code := runCLI(t, "project", "create", "--name", "keyless", "--config", cfg)
	if code != 0 || !dsnLine.MatchString(out) || !strings.Contains(errOut, "no admin key") || !strings.Contains(errOut, "public URL http://127.0.0.1:"+port) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
