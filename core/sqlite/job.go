package sqlite

import "context"

// HoldJob implements core.JobLocker: a SQLite file has one Periscope
// process, which always holds every job.
func (db *DB) HoldJob(ctx context.Context, name string) (bool, error) { return true, nil }

// ReleaseJob implements core.JobLocker; there is nothing to release.
func (db *DB) ReleaseJob(ctx context.Context, name string) error { return nil }
