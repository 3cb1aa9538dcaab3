// Package spool is Periscope's write-ahead log of accepted events: with
// ingest.ack "spooled" (the default) an event is answered 200 only once its
// record is on disk here, so neither kill -9 nor a power loss loses an
// acknowledged event, and the database behind it may commit without
// syncing every transaction.
//
// # Files
//
// A spool is one directory of segment files named by a 16-hex-digit index
// (0000000000000001.spool, ...) and a LOCK file, flock'ed by the one
// process using the directory. A segment is a sequence of records, each an
// 8-byte header (body length, CRC-32C of the body) and a body: a data
// record (a sequence number and an opaque payload) or a done record (the
// sequence numbers of data records now stored durably elsewhere). Sequence
// numbers grow across segments and restarts.
//
// # Invariants
//
//   - Append returns only after the write and the fsync that cover its
//     record (group commit: one goroutine writes everything buffered with
//     one write and one fsync, and the Appends that arrive meanwhile form
//     the next group). A new segment's directory entry is fsynced before
//     any record in it is written.
//   - Nothing follows a torn record: records are only appended, an Append
//     that failed (a full disk) has its bytes cut back before the next
//     write, and a crash leaves at most an unacknowledged tail. Open reads
//     every segment and, at the first record whose length or CRC does not
//     check out, cuts the last segment there (logging it); a bad record in
//     an older segment (media damage) is logged and the rest of that
//     segment is skipped. Open never fails for a segment's contents.
//   - A done record is written only after the Barrier returned, for
//     sequence numbers the caller passed to Done (after the database
//     commit that stored them). So a durable done mark implies a durable
//     database row. Done records need no fsync of their own: a lost mark
//     only replays a stored event, which the store recognises by its event
//     id (a duplicate changes nothing).
//   - A segment is deleted only when it is closed and all its data records
//     are marked done, and only as a prefix (oldest first): the marks of a
//     segment's records are in it or in later segments, so they outlive the
//     records. The directory is fsynced after a deletion, so a power loss
//     cannot bring a deleted segment back without its marks.
//   - MaxBytes bounds the files plus the buffer: a record that does not fit
//     is refused (ErrFull) before anything is written, so ingestion answers
//     429 before it says 200.
//
// # Why SQLite may run with synchronous=NORMAL behind the spool
//
// In WAL mode with synchronous=NORMAL, SQLite writes each commit's frames
// to the -wal file with write(2) and fsyncs the WAL only at checkpoints; a
// process crash loses nothing committed (the frames are in the kernel's
// page cache), a power loss may lose the last commits. The spool keeps
// every record until the commit holding its event is durable, which the
// barrier (sqlite.DB.SyncFiles) establishes by fsyncing the -wal file,
// then the database file, then their directory: fsync flushes every dirty
// page of a file, whichever descriptor wrote it, so every frame of a commit
// that finished before the call is on disk afterwards. A frame already
// overwritten in the WAL was first checkpointed into the database file,
// and SQLite restarts the WAL only after a checkpoint that synced the
// database file, so the frame's content is durable there (and the barrier's
// fsync of the database file covers a checkpoint still in progress). Only
// then are done marks written and segments deleted. After a power loss the
// database is consistent (WAL recovery drops frames of unsynced commits)
// and every event it dropped is still in the spool, whose replay on start
// stores it again; events the database kept are found by event id and
// counted once. The cost is one WAL fsync per Sync (every second), instead
// of one per transaction.
//
// Postgres (synchronous_commit on, its default) and SQLite with
// synchronous=FULL make a commit durable when it returns: their barrier is
// empty. With synchronous_commit off on the Postgres server, a power loss
// may lose events whose marks were written: that setting is outside what
// Periscope can see.
//
// The spool is Periscope's own: a general write-ahead-log library gives the
// segment files, but not the rule that ties deleting a record to the
// durability of another system's commit, which is the whole point here.
package spool
