package sqlite_test

import (
	"os"
	"testing"

	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
)

// TestSyncFiles: the spool's barrier succeeds on a database with commits in
// its WAL (synchronous=NORMAL), and fails, rather than claiming
// durability, when the database file is gone.
func TestSyncFiles(t *testing.T) {
	db := mustOpen(t, sqlite.WithMigrate(), sqlite.WithSynchronous("normal"))
	p := storetest.MustCreateProject(t, db, "sync")
	storetest.MustWrite(t, db, storetest.NewEvent(p.ID, "a"))
	if _, err := os.Stat(db.Path() + "-wal"); err != nil {
		t.Fatalf("no WAL file after a commit: %v", err)
	}
	if err := db.SyncFiles(); err != nil {
		t.Fatalf("SyncFiles: %v", err)
	}
	if err := os.Rename(db.Path(), db.Path()+".moved"); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(db.Path()+".moved", db.Path())
	if err := db.SyncFiles(); err == nil {
		t.Error("SyncFiles without the database file: nil error")
	}
}
