package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/spool"
)

// fileSyncer is a store whose finished commits may not be durable yet
// (SQLite with synchronous=NORMAL) and that can make them so.
type fileSyncer interface {
	SyncFiles() error
}

// openSpool opens the write-ahead spool of ingest.ack: spooled. Its
// barrier is the store's SyncFiles when SQLite runs with
// synchronous=NORMAL: the spool forgets an event only once its commit is
// durable. Postgres and synchronous=FULL commit durably and need none.
func openSpool(c *config.Config, store migratingStore, logger *slog.Logger) (*spool.Spool, error) {
	opts := spool.Options{MaxBytes: c.Ingest.SpoolBytes, Logger: logger}
	if fs, ok := store.(fileSyncer); ok && !c.Database.Postgres.Enabled && c.SQLiteSynchronous() == "normal" {
		opts.Barrier = fs.SyncFiles
	}
	sp, err := spool.Open(c.SpoolDir(), opts)
	if err != nil {
		return nil, withCode(exitConfig, fmt.Errorf("ingest.spool_dir: %w", err))
	}
	return sp, nil
}

// replay stores the events a crash left in the spool, before the server
// takes new ones.
func (m *Main) replay(ctx context.Context) error {
	if m.Spool == nil {
		return nil
	}
	if st := m.Spool.Stats(); st.Pending > 0 {
		m.Logger.Info("spool: storing the events a crash left", "events", st.Pending, "dir", m.Config.SpoolDir())
	}
	start := time.Now()
	n, err := m.Pipeline.Replay(ctx)
	if err != nil {
		return fmt.Errorf("replaying the spool %s: %w", m.Config.SpoolDir(), err)
	}
	if n > 0 {
		m.Logger.Info("spool: replayed", "events", n, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
