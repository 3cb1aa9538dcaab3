package sqlite

import "context"

// ForceSchemaVersionForTest records a migration version the binary does not
// have, as a newer Periscope would.
func (db *DB) ForceSchemaVersionForTest(ctx context.Context, v int) error {
	_, err := db.wdb.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`, v)
	return err
}
