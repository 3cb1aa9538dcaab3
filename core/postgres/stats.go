package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// AddStats adds ingestion counters in one transaction; deltas of unknown
// projects are dropped.
func (db *DB) AddStats(ctx context.Context, deltas []core.StatsDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	var h struct {
		project, accepted, rejected, limited []int64
		hour                                 []time.Time
	}
	var r struct {
		project, n []int64
		hour       []time.Time
		reason     []string
	}
	for _, d := range deltas {
		hour := dbutil.Hour(d.Hour)
		h.project, h.hour = append(h.project, d.ProjectID), append(h.hour, hour)
		h.accepted, h.rejected, h.limited = append(h.accepted, d.Accepted), append(h.rejected, dbutil.RejectedTotal(d)), append(h.limited, d.RateLimited)
		for reason, n := range d.Rejected {
			r.project, r.hour, r.n = append(r.project, d.ProjectID), append(r.hour, hour), append(r.n, n)
			r.reason = append(r.reason, dbutil.ReasonCategory(reason))
		}
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		// Summed per key first: one INSERT may not touch a row twice.
		batch.Queue(`INSERT INTO stats_hourly (project_id, hour, accepted, rejected, rate_limited)
			SELECT u.project_id, u.hour, sum(u.accepted), sum(u.rejected), sum(u.limited)
			FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[])
				AS u (project_id, hour, accepted, rejected, limited)
			JOIN projects p ON p.id = u.project_id
			GROUP BY u.project_id, u.hour ORDER BY 1, 2
			ON CONFLICT (project_id, hour) DO UPDATE SET accepted = stats_hourly.accepted + excluded.accepted,
				rejected = stats_hourly.rejected + excluded.rejected,
				rate_limited = stats_hourly.rate_limited + excluded.rate_limited`,
			h.project, h.hour, h.accepted, h.rejected, h.limited)
		batch.Queue(`INSERT INTO stats_rejections_hourly (project_id, hour, reason, count)
			SELECT u.project_id, u.hour, u.reason, sum(u.n)
			FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::bigint[]) AS u (project_id, hour, reason, n)
			JOIN projects p ON p.id = u.project_id
			GROUP BY u.project_id, u.hour, u.reason ORDER BY 1, 2, 3
			ON CONFLICT (project_id, hour, reason) DO UPDATE SET count = stats_rejections_hourly.count + excluded.count`,
			r.project, r.hour, r.reason, r.n)
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("postgres: add stats: %w", err)
		}
		return nil
	})
}
