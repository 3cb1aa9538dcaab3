package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// us is a time as stored: Unix microseconds.
func us(t time.Time) int64 { return t.UnixMicro() }

// usPtr is us for an optional time: nil stays NULL.
func usPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// tm reads a stored time.
func tm(v int64) time.Time { return time.UnixMicro(v).UTC() }

// tmPtr reads an optional stored time.
func tmPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := tm(v.Int64)
	return &t
}

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUnique reports a UNIQUE or PRIMARY KEY constraint violation.
func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports a FOREIGN KEY constraint violation.
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// int64Args converts ids to query arguments.
func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// unavailableCodes are the primary result codes that say the database
// cannot write now (its disk is full, read-only, failing or locked), not
// that it refuses the data: another try may succeed.
var unavailableCodes = map[int]bool{
	sqlite3.SQLITE_FULL: true, sqlite3.SQLITE_IOERR: true, sqlite3.SQLITE_READONLY: true,
	sqlite3.SQLITE_CANTOPEN: true, sqlite3.SQLITE_BUSY: true, sqlite3.SQLITE_LOCKED: true,
	sqlite3.SQLITE_NOMEM: true, sqlite3.SQLITE_PROTOCOL: true, sqlite3.SQLITE_NOLFS: true,
	sqlite3.SQLITE_CORRUPT: true, sqlite3.SQLITE_NOTADB: true, sqlite3.SQLITE_PERM: true,
}

// isFull reports SQLITE_FULL (or an I/O error, which a full disk may
// also cause).
func isFull(err error) bool {
	c := sqliteCode(err) & 0xff
	return c == sqlite3.SQLITE_FULL || c == sqlite3.SQLITE_IOERR
}

// storageError wraps err in an EUNAVAILABLE *core.Error when it is one
// of unavailableCodes, so that the pipeline keeps and retries the events
// instead of rejecting them; other errors are returned as they are.
func storageError(err error) error {
	if err == nil || !unavailableCodes[sqliteCode(err)&0xff] {
		return err
	}
	return fmt.Errorf("%w (%w)", core.Errorf(core.EUNAVAILABLE, "sqlite cannot write"), err)
}
