package sqlite

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// SyncConfigDestinations makes the "config" destinations exactly ds; see
// core.AlertStore.
func (db *DB) SyncConfigDestinations(ctx context.Context, ds []*core.Destination) error {
	return sqlq.SyncConfigDestinations(ctx, db.writeTx, ds, db.clock(), "")
}
