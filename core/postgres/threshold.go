package postgres

import (
	"context"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// thresholdLock is a transaction-scoped advisory lock on (issue, rule): it
// makes CreateThresholdAlert's check and insert atomic across nodes
// without locking the issue row that ingestion updates.
const thresholdLock = `SELECT pg_advisory_xact_lock(hashtextextended('periscope.threshold:' || ?::bigint || ':' || ?::text, 0))`

// CreateThresholdAlert creates a threshold alert with its notifications
// unless the rule fired for the issue within t.Interval; see
// core.AlertStore.
func (db *DB) CreateThresholdAlert(ctx context.Context, t core.ThresholdAlert) (*core.Alert, bool, error) {
	return sqlq.CreateThresholdAlert(ctx, db.writeTx, t, thresholdLock)
}
