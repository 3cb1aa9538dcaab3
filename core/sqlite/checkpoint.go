package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the WAL
// into the database file while there are writes.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs PASSIVE WAL checkpoints on its own connection, so that
// the writer does not copy pages back into the database file inside its
// commits (the writer's own auto-checkpoint is kept as a high fallback). A
// PASSIVE checkpoint never blocks the writer or readers.
type checkpointer struct {
	db    *sql.DB
	dirty chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// wrote tells the checkpointer that a transaction committed.
func (c *checkpointer) wrote() {
	select {
	case c.dirty <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		select {
		case <-c.dirty:
		default:
			continue // nothing written since the last checkpoint
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		// Errors (a busy database, a closing one) only delay the next try.
		_, _ = c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		cancel()
	}
}

func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

// writeFailed classifies the error of an event write (storageError) and,
// when the disk may be full, truncates the WAL: its frames are copied into
// the database file and the file is cut to nothing, which frees what the
// WAL held beyond the database's own pages. The caller holds wmu.
func (db *DB) writeFailed(ctx context.Context, err error) error {
	if isFull(err) {
		db.full = true
		db.truncateWAL(ctx)
	}
	return storageError(err)
}

// writeSucceeded truncates the WAL once after writes failed for a full
// disk, so that the WAL left by the failing writes does not keep the disk
// full once space returns. The caller holds wmu.
func (db *DB) writeSucceeded(ctx context.Context) {
	if db.full {
		db.full = false
		db.truncateWAL(ctx)
	}
}

func (db *DB) truncateWAL(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// Errors (readers in the way, still no space) only leave the WAL as it is.
	_, _ = db.wdb.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
}

// ProbeWrite commits a transaction that rewrites one row of
// schema_migrations unchanged: it fails as an event write would when the
// database cannot be written (read-only, disk full, I/O errors), with an
// EUNAVAILABLE error.
func (db *DB) ProbeWrite(ctx context.Context) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)`)
		return err
	})
	if err != nil {
		return db.writeFailed(ctx, err)
	}
	db.writeSucceeded(ctx)
	return nil
}
