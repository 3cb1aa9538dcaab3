package sqlite

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// CreateThresholdAlert creates a threshold alert with its notifications
// unless the rule fired for the issue within t.Interval; see
// core.AlertStore. The single writer makes the check and the insert
// atomic.
func (db *DB) CreateThresholdAlert(ctx context.Context, t core.ThresholdAlert) (*core.Alert, bool, error) {
	return sqlq.CreateThresholdAlert(ctx, db.writeTx, t, "")
}
