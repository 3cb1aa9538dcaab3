package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/periscope-hq/periscope/migrations"
)

// Backup writes a consistent copy of the database file at path to to,
// with VACUUM INTO on a connection of its own: it reads one snapshot, so
// a server may go on writing meanwhile (WAL), and the copy is compacted
// and holds no WAL. to must not exist. The copy is checked with Check.
func Backup(ctx context.Context, path, to string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("sqlite: backup: %s exists; choose a new file", to)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	src, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		_ = os.Remove(to)
		return fmt.Errorf("sqlite: backup to %s: %w", to, err)
	}
	if err := syncFile(to); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if _, err := Check(ctx, to); err != nil {
		return fmt.Errorf("sqlite: the backup %s does not check out: %w", to, err)
	}
	return nil
}

// Check opens the database file at path read-only, runs PRAGMA
// integrity_check and reads its schema version, refusing a schema newer
// than this binary (a *migrations.TooNewError) or a file that is not a
// Periscope database. It returns the migration versions applied.
func Check(ctx context.Context, path string) ([]int, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	q := url.Values{"mode": {"ro"}}
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var problems []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("not a readable SQLite database: %w", err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("integrity check failed: %s", strings.Join(problems, "; "))
	}
	d := &DB{}
	applied, err := d.applied(ctx, db)
	if err != nil {
		return nil, err
	}
	if len(applied) == 0 {
		return nil, errors.New("not a Periscope database (no schema_migrations)")
	}
	if _, err := migrations.Plan(migrations.SQLite, applied); err != nil {
		return nil, err
	}
	return applied, nil
}

// Restore replaces the database file at path with the backup from, after
// checking it (Check). The server must be stopped: the copy is written
// beside path, synced, and renamed over it, and path's -wal and -shm files
// are removed. An existing path is replaced only with force.
func Restore(ctx context.Context, from, path string, force bool) error {
	if _, err := Check(ctx, from); err != nil {
		return fmt.Errorf("sqlite: the backup %s does not check out: %w", from, err)
	}
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("sqlite: %s exists; stop the server and pass --force to replace it", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	tmp := path + ".restore"
	if err := copyFile(from, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			_ = os.Remove(tmp)
			return fmt.Errorf("sqlite: restore: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	return syncFile(filepath.Dir(path))
}

// copyFile copies from to to (created, 0600) and syncs it.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile fsyncs a file or directory.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
