package core

import "context"

// Job names of the background work that must run on one node at a time
// when several Periscope processes share one database.
const (
	JobRetention = "retention"
	JobPurge     = "purge"
)

// JobLocker elects, per job name, the one node that runs a background job
// (retention pruning, the purge of deleted projects). On Postgres the
// holder keeps a session advisory lock on a connection of its own: it
// stays the holder until ReleaseJob, its Close, or its death (kill -9, a
// lost connection), which ends the session and frees the job for the next
// node that asks. Jobs whose work is additive or decided by the database
// (stats merges, threshold alerts, the outbox, migrations) need no holder.
// SQLite has one process per file, so it always holds every job.
type JobLocker interface {
	// HoldJob reports whether this store holds the job name, taking it
	// when no other node holds it. A holder whose session was lost is
	// told false unless it could take the job again. Safe for concurrent
	// use.
	HoldJob(ctx context.Context, name string) (bool, error)
	// ReleaseJob gives the job up, if held, so that another node takes
	// it at its next HoldJob.
	ReleaseJob(ctx context.Context, name string) error
}
