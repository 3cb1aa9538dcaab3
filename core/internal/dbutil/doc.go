// Package dbutil holds what core/sqlite and core/postgres share so that they
// behave the same without importing each other: the zstd codec for stored
// payloads, key and token generation, opaque page cursors, input validation
// with core error codes, and the storage side of WriteEvents (preparing a
// batch, aggregating it per issue and folding that into issue rows with
// core.Issue.AddEvents, which decides regressions). Nothing here touches a
// database.
package dbutil
