package pgtest

import (
	"testing"
)

// Cluster is a PostgreSQL server of one test's own, for tests of database
// outages: the test may stop it and start it again, on the same port with
// the same data. Other tests' databases (URL) are never affected.
type Cluster struct {
	tb testing.TB
	c  *cluster
}

// NewCluster starts a throwaway cluster for tb (initdb in a temporary
// directory, 127.0.0.1 on a free port), stopped and removed when tb ends.
// It fails tb, saying how to fix it, when PostgreSQL is not installed; it
// does not need Main.
func NewCluster(tb testing.TB) *Cluster {
	tb.Helper()
	c, err := startCluster()
	if err != nil {
		tb.Fatalf("pgtest: %v\n\n%s", err, howToFix)
	}
	tb.Cleanup(func() {
		if err := c.stop(); err != nil {
			tb.Errorf("pgtest: removing the cluster: %v", err)
		}
	})
	return &Cluster{tb: tb, c: c}
}

// URL is the cluster's postgres database, as a postgres:// URL.
func (c *Cluster) URL() string { return c.c.url().String() }

// Stop shuts the server down (fast shutdown), keeping its data: clients
// get connection refused until Start.
func (c *Cluster) Stop() { c.c.halt() }

// Start runs the server again on the same port and data, and waits until
// it accepts connections.
func (c *Cluster) Start() {
	c.tb.Helper()
	if err := c.c.run(c.c.bin, c.c.data, c.c.cred); err != nil {
		c.tb.Fatalf("pgtest: restarting the cluster: %v", err)
	}
}
