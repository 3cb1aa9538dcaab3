package sqlite

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// WriteRejected keeps a payload that could not be processed and counts it
// in the hourly stats; ENOTFOUND for an unknown project.
func (db *DB) WriteRejected(ctx context.Context, r *core.RejectedEvent) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := sqlq.WriteRejected(ctx, db.lockedTx, r, db.clock()); err != nil {
		return db.writeFailed(ctx, err)
	}
	return nil
}
