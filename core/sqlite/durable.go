package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// SyncFiles makes every transaction that committed before the call durable,
// whatever PRAGMA synchronous is: it fsyncs the WAL file, then the database
// file, then their directory. fsync writes out every dirty page of a file
// whichever connection wrote it, and with synchronous=NORMAL a commit has
// written its WAL frames (without syncing them) before it returns; a frame
// no longer in the WAL was checkpointed into the database file first. The
// write-ahead spool calls it before it forgets events (core/spool). It does
// not block the writer. A missing WAL file (no write since the last
// connection closed) is not an error.
func (db *DB) SyncFiles() error {
	var errs []error
	for _, path := range []string{db.path + "-wal", db.path} {
		if err := fsync(path); err != nil && !(errors.Is(err, os.ErrNotExist) && path != db.path) {
			errs = append(errs, err)
		}
	}
	if err := fsync(filepath.Dir(db.path)); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: sync files: %w", err)
	}
	return nil
}

func fsync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
