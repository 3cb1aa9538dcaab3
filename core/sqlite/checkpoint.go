package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// checkpointEvery is how often the background checkpointer copies the WAL
// into the database file while there are writes.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs PASSIVE WAL checkpoints on its own connection, so that
// the writer does not copy pages back into the database file inside its
// commits (the writer's own auto-checkpoint is kept as a high fallback). A
// PASSIVE checkpoint never blocks the writer or readers.
type checkpointer struct {
	db *sql.DB
	// full is set when a checkpoint failed for a full disk (see DB.room).
	full  atomic.Bool
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
		// Errors (a busy database, a closing one) only delay the next try,
		// but one for a full disk makes the next write make room first.
		var busy, log, done int
		err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done)
		cancel()
		if isFull(err) {
			c.full.Store(true)
		}
	}
}

func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

// writeFailed classifies the error of an event write (storageError). When
// the disk is full, it frees the reserve and cuts the WAL at once (what the
// failed write appended to it too), and the next write makes room first
// (see room). The caller holds wmu.
func (db *DB) writeFailed(ctx context.Context, err error) error {
	if isFull(err) {
		db.full = true
		db.dropReserve()
		_ = db.truncateWAL(ctx)
	}
	return storageError(err)
}

// room runs before every write transaction (the caller holds wmu). After a
// write or a checkpoint failed for a full disk, the WAL may hold most of
// the disk while its frames cannot be copied into the database file, which
// cannot grow: nothing would ever free that space. So room deletes the
// reserve file, whose space lets the checkpoint copy the WAL into the
// database file and cut the WAL to nothing, then writes the reserve again.
// Only then may the write go on; when the reserve cannot be written, the
// disk is full of something else, and room returns an EUNAVAILABLE error
// without writing, until space is freed.
func (db *DB) room(ctx context.Context) error {
	if !db.full && !db.ckpt.full.Load() {
		return nil
	}
	db.dropReserve()
	db.full = true
	if err := db.truncateWAL(ctx); err != nil && isFull(err) {
		return storageError(err)
	}
	if err := db.makeReserve(); err != nil {
		return fmt.Errorf("%w (%w)", core.Errorf(core.EUNAVAILABLE, "sqlite cannot write: no room for the %d-byte reserve beside %s", db.reserve, db.path), err)
	}
	db.full = false
	db.ckpt.full.Store(false)
	return nil
}

// truncateWAL copies the WAL into the database file and cuts it to
// nothing (a TRUNCATE checkpoint); it returns the checkpoint's error. A
// checkpoint that readers keep from finishing leaves the WAL as it is.
func (db *DB) truncateWAL(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var busy, log, done int
	return db.wdb.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &log, &done)
}

// defaultReserve is the size of the reserve file (WithReserve).
const defaultReserve = 4 << 20

// reservePath is the reserve file: the database's path + "-reserve".
func (db *DB) reservePath() string { return db.path + "-reserve" }

// makeReserve writes the reserve file unless it is there at its size. Its
// bytes are random, so that a compressing filesystem stores them all.
func (db *DB) makeReserve() error {
	if db.reserve <= 0 {
		return nil
	}
	path := db.reservePath()
	if st, err := os.Stat(path); err == nil && st.Size() == db.reserve {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	r := rand.NewChaCha8([32]byte{})
	for left := db.reserve; left > 0 && err == nil; left -= int64(len(buf)) {
		_, _ = r.Read(buf)
		_, err = f.Write(buf[:min(left, int64(len(buf)))])
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// dropReserve deletes the reserve file, freeing its space.
func (db *DB) dropReserve() {
	if db.reserve > 0 {
		_ = os.Remove(db.reservePath())
	}
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
	return nil
}
