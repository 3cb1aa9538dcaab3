package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// jobs holds the dedicated connections whose sessions own job locks.
type jobs struct {
	mu    sync.Mutex
	conns map[string]*pgx.Conn
}

// jobLockSQL takes the session advisory lock of a job name.
const jobLockSQL = `SELECT pg_try_advisory_lock(hashtextextended('periscope.job:' || $1, 0))`

// HoldJob implements core.JobLocker with a session advisory lock on a
// connection outside the pool, kept while the job is held; a held
// session is checked to be alive at every call.
func (db *DB) HoldJob(ctx context.Context, name string) (bool, error) {
	db.jobs.mu.Lock()
	defer db.jobs.mu.Unlock()
	if c := db.jobs.conns[name]; c != nil {
		if err := c.Ping(ctx); err == nil {
			return true, nil
		}
		// The session is gone, and its lock with it: ask again.
		_ = c.Close(context.WithoutCancel(ctx))
		delete(db.jobs.conns, name)
	}
	c, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("postgres: job %s: %w", name, err)
	}
	var got bool
	if err := c.QueryRow(ctx, jobLockSQL, name).Scan(&got); err != nil || !got {
		_ = c.Close(context.WithoutCancel(ctx))
		if err != nil {
			return false, fmt.Errorf("postgres: job %s: %w", name, err)
		}
		return false, nil
	}
	if db.jobs.conns == nil {
		db.jobs.conns = map[string]*pgx.Conn{}
	}
	db.jobs.conns[name] = c
	return true, nil
}

// ReleaseJob implements core.JobLocker: closing the session frees the lock.
func (db *DB) ReleaseJob(ctx context.Context, name string) error {
	db.jobs.mu.Lock()
	defer db.jobs.mu.Unlock()
	c := db.jobs.conns[name]
	if c == nil {
		return nil
	}
	delete(db.jobs.conns, name)
	return c.Close(ctx)
}

// releaseJobs frees every job (Close).
func (db *DB) releaseJobs() {
	db.jobs.mu.Lock()
	defer db.jobs.mu.Unlock()
	for name, c := range db.jobs.conns {
		_ = c.Close(context.Background())
		delete(db.jobs.conns, name)
	}
}
