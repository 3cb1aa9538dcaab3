package config

import "path/filepath"

// SpoolDir returns the directory of the write-ahead spool (ingest.ack:
// spooled): ingest.spool_dir, or "spool" beside the SQLite file, which is
// the data directory with Postgres too.
func (c *Config) SpoolDir() string {
	if c.Ingest.SpoolDir != "" {
		return c.Ingest.SpoolDir
	}
	return filepath.Join(filepath.Dir(c.Database.SQLite.Path), "spool")
}

// SQLiteSynchronous returns the PRAGMA synchronous SQLite runs with:
// database.sqlite.synchronous when set, else "normal" with ingest.ack
// spooled (the spool keeps every event until the commit holding it is
// durable, see core/spool) and "full" otherwise (a commit must be durable
// on its own for a 200 to survive a power loss).
func (c *Config) SQLiteSynchronous() string {
	if s := c.Database.SQLite.Synchronous; s != "" {
		return s
	}
	if c.Ingest.Ack == "spooled" {
		return "normal"
	}
	return "full"
}
