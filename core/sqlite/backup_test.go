package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestBackupWhileWriting backs up a database while a writer stores events
// in batches: each copy is one consistent snapshot (issue counts sum to
// the events it holds, a whole number of batches) and opens as a store.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "periscope.db")
	db := mustOpenPath(t, path, sqlite.WithMigrate())
	p := storetest.MustCreateProject(t, db, "web")
	const batch = 7
	stop := make(chan struct{})
	done := make(chan error, 1)
	first := make(chan struct{})
	go func() {
		defer close(done)
		for r := 0; ; r++ {
			if r == 1 {
				close(first)
			}
			select {
			case <-stop:
				return
			default:
			}
			var ws []*core.EventWrite
			for i := range batch {
				ws = append(ws, &core.EventWrite{Event: storetest.NewEvent(p.ID, fmt.Sprintf("h%d", (r+i)%5))})
			}
			if _, err := db.WriteEvents(ctx, ws); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case <-first:
	case err := <-done:
		t.Fatalf("first write: %v", err)
	}
	for i := range 3 {
		to := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := sqlite.Backup(ctx, path, to); err != nil {
			close(stop)
			t.Fatalf("Backup while writing: %v", err)
		}
		cp := mustOpenPath(t, to)
		issues, _, err := cp.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, is := range issues {
			sum += is.Count
		}
		if sum%batch != 0 {
			t.Errorf("copy %d: issue counts sum to %d, not a whole number of %d-event batches", i, sum, batch)
		}
		raw, err := sql.Open("sqlite", to)
		if err != nil {
			t.Fatal(err)
		}
		var events int64
		err = raw.QueryRow(`SELECT count(*) FROM events WHERE project_id = ?`, p.ID).Scan(&events)
		raw.Close()
		if err != nil {
			t.Fatal(err)
		}
		if events != sum || events == 0 {
			t.Errorf("copy %d: %d events, issue counts say %d", i, events, sum)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("writing during the backups: %v", err)
	}
	if err := sqlite.Backup(ctx, path, filepath.Join(dir, "backup-0.db")); err == nil {
		t.Error("Backup over an existing file succeeded")
	}
}

// TestCheckRefusesBadFiles: a file that is not SQLite, a SQLite file that
// is not Periscope's, and a damaged copy are refused.
func TestCheckRefusesBadFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("this is not a database, not at all, not even a little bit"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Check(ctx, junk); err == nil {
		t.Error("Check accepted a text file")
	}
	if _, err := sqlite.Check(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Error("Check accepted a missing file")
	}

	path := filepath.Join(dir, "data", "periscope.db")
	db := mustOpenPath(t, path, sqlite.WithMigrate())
	p := storetest.MustCreateProject(t, db, "web")
	for i := range 200 {
		storetest.MustWrite(t, db, storetest.NewEvent(p.ID, fmt.Sprintf("h%d", i)))
	}
	good := filepath.Join(dir, "good.db")
	if err := sqlite.Backup(ctx, path, good); err != nil {
		t.Fatal(err)
	}
	versions, err := sqlite.Check(ctx, good)
	if err != nil || len(versions) == 0 {
		t.Fatalf("Check of a good backup: %v, %v", versions, err)
	}
	// Damage the copy: overwrite pages in the middle.
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 3; i < len(b)/3+16384 && i < len(b); i++ {
		b[i] = 0xA5
	}
	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Check(ctx, bad); err == nil {
		t.Error("Check accepted a damaged copy")
	}
	if err := sqlite.Restore(ctx, bad, filepath.Join(dir, "restored.db"), false); err == nil {
		t.Error("Restore accepted a damaged copy")
	}
}
