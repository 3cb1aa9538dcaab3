package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCLI backs up a running server's SQLite database, then restores
// it over the database of the stopped server: a restarted server sees the
// issues of the backup, not what came after it.
func TestBackupCLI(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "periscope.db")
	t.Setenv("PERISCOPE_SQLITE_PATH", dbPath)
	t.Setenv("PERISCOPE_CONFIG", "")
	t.Setenv("POSTGRES_ENABLED", "false")
	s := MustRunMain(t, withEnv("PERISCOPE_SQLITE_PATH="+dbPath))
	id, dsn := s.project("web")
	for i := range 3 {
		s.store(dsn, fmt.Sprintf(`{"event_id":"%032x","message":"before backup","fingerprint":["fp-%d"]}`, i+1, i))
	}
	waitFor(t, "three issues", func() bool { return len(s.issues(id)) == 3 })

	backup := filepath.Join(dir, "backup.db")
	out, errOut, code := runCLI(t, "backup", "--to", backup)
	if code != 0 || !strings.Contains(out, "integrity checked") {
		t.Fatalf("backup of a running server: exit %d, %q %q", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, "backup", "--to", backup); code != exitDatabase || !strings.Contains(errOut, "exists") {
		t.Errorf("backup over an existing file: exit %d, %q; want %d naming the file", code, errOut, exitDatabase)
	}
	s.store(dsn, fmt.Sprintf(`{"event_id":"%032x","message":"after backup","fingerprint":["fp-after"]}`, 99))
	waitFor(t, "the fourth issue", func() bool { return len(s.issues(id)) == 4 })
	s.Stop()

	if _, errOut, code := runCLI(t, "restore", "--from", backup); code != exitDatabase || !strings.Contains(errOut, "--force") {
		t.Errorf("restore over an existing database without --force: exit %d, %q", code, errOut)
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "restore", "--from", junk, "--force"); code != exitDatabase || !strings.Contains(errOut, "not a usable backup") {
		t.Errorf("restore of a junk file: exit %d, %q", code, errOut)
	}
	out, errOut, code = runCLI(t, "restore", "--from", backup, "--force")
	if code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: exit %d, %q %q", code, out, errOut)
	}
	s2 := MustRunMain(t, withEnv("PERISCOPE_SQLITE_PATH="+dbPath))
	if n := len(s2.issues(id)); n != 3 {
		t.Errorf("after the restore: %d issues, want the backup's 3", n)
	}
}

// TestBackupRefusesPostgres: with Postgres, backup and restore point to
// pg_dump instead of copying anything.
func TestBackupRefusesPostgres(t *testing.T) {
	t.Setenv("PERISCOPE_CONFIG", "")
	t.Setenv("POSTGRES_ENABLED", "true")
	for _, args := range [][]string{{"backup", "--to", filepath.Join(t.TempDir(), "x.db")}, {"restore", "--from", "x.db"}} {
		_, errOut, code := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(errOut, "pg_dump") {
			t.Errorf("%s with Postgres: exit %d, %q; want %d pointing to pg_dump", args[0], code, errOut, exitUsage)
		}
	}
}

// TestHealthcheckCLI: exit 0 against a ready server, 1 once it stopped.
func TestHealthcheckCLI(t *testing.T) {
	s := MustRunMain(t)
	if out, errOut, code := runCLI(t, "healthcheck", "--url", s.URL); code != 0 || !strings.Contains(out, "ready") {
		t.Fatalf("healthcheck of a running server: exit %d, %q %q", code, out, errOut)
	}
	s.Stop()
	if _, errOut, code := runCLI(t, "healthcheck", "--url", s.URL, "--timeout", "2s"); code != exitError {
		t.Errorf("healthcheck of a stopped server: exit %d, %q; want %d", code, errOut, exitError)
	}
}
