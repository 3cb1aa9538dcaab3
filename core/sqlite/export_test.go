package sqlite

import (
	"context"
	"strconv"
)

// ForceSchemaVersionForTest records a migration version the binary does not
// have, as a newer Periscope would.
func (db *DB) ForceSchemaVersionForTest(ctx context.Context, v int) error {
	_, err := db.wdb.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`, v)
	return err
}

// LimitPagesForTest bounds the database file to n pages on the writer
// connection (PRAGMA max_page_count): past it, writes fail with SQLITE_FULL
// as they do on a full disk. It returns the current page count.
func (db *DB) LimitPagesForTest(ctx context.Context, n int) (int, error) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	var cur int
	if err := db.wdb.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&cur); err != nil {
		return 0, err
	}
	_, err := db.wdb.ExecContext(ctx, `PRAGMA max_page_count = `+strconv.Itoa(n))
	return cur, err
}

// CountEventsForTest counts the stored events.
func (db *DB) CountEventsForTest(ctx context.Context) (int, error) {
	var n int
	err := db.rdb.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n)
	return n, err
}

// ExecForTest runs a statement on the writer connection.
func (db *DB) ExecForTest(ctx context.Context, q string, args ...any) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	_, err := db.wdb.ExecContext(ctx, q, args...)
	return err
}

// QueryRowForTest scans one row of a query on the writer connection.
func (db *DB) QueryRowForTest(ctx context.Context, q string, args []any, dest ...any) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.wdb.QueryRowContext(ctx, q, args...).Scan(dest...)
}
