package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core/config"
)

func TestIngestAckDefaultsToSpooled(t *testing.T) {
	c, err := config.Parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Ingest.Ack != "spooled" {
		t.Errorf("ingest.ack default %q, want spooled", c.Ingest.Ack)
	}
	if got, want := c.SpoolDir(), filepath.Join("data", "spool"); got != want {
		t.Errorf("SpoolDir() = %q, want %q (beside the SQLite file)", got, want)
	}
	if c.Ingest.SpoolBytes != 1<<30 {
		t.Errorf("ingest.spool_bytes default %d, want 1 GiB", c.Ingest.SpoolBytes)
	}
	// The spool keeps every event until SQLite's commit is durable, so
	// SQLite need not sync each commit.
	if got := c.SQLiteSynchronous(); got != "normal" {
		t.Errorf("SQLiteSynchronous() = %q with ack spooled, want normal", got)
	}
}

func TestSQLiteSynchronousFollowsAck(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"ingest: {ack: committed}", "full"},
		{"ingest: {ack: accepted}", "full"},
		{"ingest: {ack: spooled}", "normal"},
		{"ingest: {ack: spooled}\ndatabase: {sqlite: {synchronous: full}}", "full"},
		{"ingest: {ack: committed}\ndatabase: {sqlite: {synchronous: normal}}", "normal"},
	} {
		c, err := config.Parse([]byte(tc.yaml), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		if got := c.SQLiteSynchronous(); got != tc.want {
			t.Errorf("%s: SQLiteSynchronous() = %q, want %q", tc.yaml, got, tc.want)
		}
	}
}

func TestSpoolDirAndBytes(t *testing.T) {
	c, err := config.Parse([]byte("ingest:\n  spool_dir: /var/spool/periscope\n"), []string{"PERISCOPE_INGEST_SPOOL_BYTES=1048576"})
	if err != nil {
		t.Fatal(err)
	}
	if c.SpoolDir() != "/var/spool/periscope" || c.Ingest.SpoolBytes != 1<<20 {
		t.Errorf("spool dir %q, bytes %d", c.SpoolDir(), c.Ingest.SpoolBytes)
	}
	c, err = config.Parse([]byte("database:\n  sqlite:\n    path: /srv/p/db.sqlite\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.SpoolDir() != "/srv/p/spool" {
		t.Errorf("SpoolDir() = %q, want /srv/p/spool", c.SpoolDir())
	}
	_, err = config.Parse([]byte("ingest:\n  ack: spool\n  spool_bytes: 0\n"), nil)
	if err == nil {
		t.Fatal("ack: spool and spool_bytes: 0 accepted")
	}
	for _, want := range []string{"ingest.ack", `"spooled"`, "ingest.spool_bytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// TestShippedConfigIsSpooled: the shipped config.yaml states the default
// durability, spooled with SQLite's synchronous left to follow it.
func TestShippedConfigIsSpooled(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Ingest.Ack != "spooled" || c.SQLiteSynchronous() != "normal" || c.SpoolDir() != filepath.Join("data", "spool") || c.Ingest.SpoolBytes != 1<<30 {
		t.Errorf("shipped config.yaml: ack %q, synchronous %q, spool %q (%d bytes); want spooled, normal, data/spool, 1 GiB",
			c.Ingest.Ack, c.SQLiteSynchronous(), c.SpoolDir(), c.Ingest.SpoolBytes)
	}
}
