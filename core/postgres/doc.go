// Package postgres implements core.Store over PostgreSQL with pgx v5
// (pgxpool).
//
// Several Periscope nodes may share one database: uniqueness (projects,
// keys, fingerprints, event ids) is decided by the database with unique
// constraints and INSERT ... ON CONFLICT, issue rows are locked in id order
// while a batch folds its events into them, and the notification outbox is
// claimed with FOR UPDATE SKIP LOCKED. A batch that deadlocks with another
// node's, or fails serialization, is retried.
//
// WriteEvents stores a batch in one transaction with a fixed, small number
// of round trips whatever its size: rows travel as arrays and are expanded
// server-side with unnest. Times are timestamptz and always returned in
// UTC; payloads are zstd-compressed bytea (see core/internal/dbutil).
//
// Migrations run under an advisory lock, each in its own transaction, and
// are recorded in schema_migrations.
package postgres
