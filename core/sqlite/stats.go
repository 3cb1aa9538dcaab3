package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// AddStats adds ingestion counters in one transaction; deltas of unknown
// projects are dropped.
func (db *DB) AddStats(ctx context.Context, deltas []core.StatsDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, d := range deltas {
			hour := us(dbutil.Hour(d.Hour))
			if _, err := tx.ExecContext(ctx, `INSERT INTO stats_hourly (project_id, hour, accepted, rejected, rate_limited)
				SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?)
				ON CONFLICT (project_id, hour) DO UPDATE SET accepted = accepted + excluded.accepted,
					rejected = rejected + excluded.rejected, rate_limited = rate_limited + excluded.rate_limited`,
				d.ProjectID, hour, d.Accepted, dbutil.RejectedTotal(d), d.RateLimited, d.ProjectID); err != nil {
				return fmt.Errorf("sqlite: add stats: %w", err)
			}
			for reason, n := range d.Rejected {
				if _, err := tx.ExecContext(ctx, `INSERT INTO stats_rejections_hourly (project_id, hour, reason, count)
					SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?)
					ON CONFLICT (project_id, hour, reason) DO UPDATE SET count = count + excluded.count`,
					d.ProjectID, hour, dbutil.ReasonCategory(reason), n, d.ProjectID); err != nil {
					return fmt.Errorf("sqlite: add stats: %w", err)
				}
			}
		}
		return nil
	})
}
