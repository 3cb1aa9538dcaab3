package sqlite

import (
	"context"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// FindDestinationByID returns the destination, global or of any project,
// or ENOTFOUND.
func (db *DB) FindDestinationByID(ctx context.Context, id int64) (*core.Destination, error) {
	return sqlq.FindDestination(ctx, conn{db.rdb}, id, "")
}

// UpdateDestination applies upd; ENOTFOUND, ECONFLICT for a name taken in
// the destination's project, EINVALID.
func (db *DB) UpdateDestination(ctx context.Context, id int64, upd core.DestinationUpdate) (*core.Destination, error) {
	return sqlq.UpdateDestination(ctx, db.writeTx, id, upd, db.clock())
}

// SyncConfigDestinations makes the "config" destinations exactly ds; see
// core.AlertStore.
func (db *DB) SyncConfigDestinations(ctx context.Context, ds []*core.Destination) error {
	return sqlq.SyncConfigDestinations(ctx, db.writeTx, ds, db.clock(), "")
}

// FindAlertPage returns one page of a project's alerts, newest first,
// with their notifications and attempt logs.
func (db *DB) FindAlertPage(ctx context.Context, f core.AlertFilter) ([]*core.Alert, string, error) {
	return sqlq.FindAlertPage(ctx, conn{db.rdb}, f)
}

// AcknowledgeAlert sets the alert's AcknowledgedAt unless already set;
// ENOTFOUND for an unknown alert.
func (db *DB) AcknowledgeAlert(ctx context.Context, id int64, at time.Time) (*core.Alert, error) {
	if at.IsZero() {
		at = db.clock()
	}
	return sqlq.AcknowledgeAlert(ctx, db.writeTx, id, at)
}
