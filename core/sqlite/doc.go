// Package sqlite implements core.Store over SQLite (modernc.org/sqlite, no
// cgo).
//
// One file holds everything. Writes go through a single connection (its own
// *sql.DB with one open connection, transactions started BEGIN IMMEDIATE)
// guarded by a mutex, so there is exactly one writer and it never waits on
// SQLITE_BUSY from itself; reads use a separate pool of query-only
// connections, which WAL lets run beside the writer. Pragmas (WAL,
// busy_timeout, foreign_keys, synchronous=NORMAL, cache size) are set per
// connection through the DSN.
//
// Times are stored as INTEGER Unix microseconds in UTC and always returned
// as UTC time.Time values. Event payloads, normalized data, attachments and
// rejected payloads are stored zstd-compressed.
//
// New files get 8 KiB pages. A third connection runs PASSIVE WAL
// checkpoints in the background (every 250 ms after writes), so commits do
// not copy pages back into the database file; the writer's own
// auto-checkpoint stays as a fallback at 20,000 pages.
//
// WriteEvents runs a whole batch in one transaction over prepared
// statements, compressing payloads before it takes the writer. Two caches
// spare it reads: the issue id of each (project, fingerprint hash), and the
// row of recently written issues. Both are only touched under the writer
// mutex, filled after a commit (a rolled-back batch leaves them as they
// were), bounded, and dropped for a deleted project; UpdateIssue drops the
// row it changes. So the database file must not be written by another
// process while a DB is open. Ids people see (projects, issues, alerts,
// destinations, notifications) are AUTOINCREMENT: never reused.
package sqlite
