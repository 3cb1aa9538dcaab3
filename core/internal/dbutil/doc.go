// Package dbutil holds what core/sqlite and core/postgres share so that they
// behave the same without importing each other: the zstd codec for stored
// payloads, key and token generation, opaque page cursors, input validation
// with core error codes, and the pure part of WriteEvents (preparing a
// batch, folding it into issue rows, deciding regressions) and of
// UpdateIssue. Nothing here touches a database.
package dbutil
