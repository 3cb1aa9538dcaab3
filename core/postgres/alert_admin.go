package postgres

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// configDestinationsLock serializes SyncConfigDestinations across nodes
// starting at once.
const configDestinationsLock = `SELECT pg_advisory_xact_lock(hashtextextended('periscope.config_destinations', 0))`

// SyncConfigDestinations makes the "config" destinations exactly ds; see
// core.AlertStore. Nodes starting at once serialize on an advisory lock.
func (db *DB) SyncConfigDestinations(ctx context.Context, ds []*core.Destination) error {
	return sqlq.SyncConfigDestinations(ctx, db.writeTx, ds, db.clock(), configDestinationsLock)
}
