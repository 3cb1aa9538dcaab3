package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"

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

// FindStats returns the project's counted hours in f's range, oldest first.
func (db *DB) FindStats(ctx context.Context, f core.StatsFilter) ([]*core.HourStats, error) {
	from, to := us(dbutil.Hour(f.From)), int64(math.MaxInt64)
	if !f.To.IsZero() {
		to = us(dbutil.Hour(f.To))
	}
	if f.From.IsZero() {
		from = math.MinInt64
	}
	rows, err := db.rdb.QueryContext(ctx, `SELECT hour, accepted, rejected, rate_limited, stored FROM stats_hourly
		WHERE project_id = ? AND hour >= ? AND hour < ? ORDER BY hour`, f.ProjectID, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find stats: %w", err)
	}
	defer rows.Close()
	out := []*core.HourStats{}
	byHour := map[int64]*core.HourStats{}
	for rows.Next() {
		var hour int64
		h := &core.HourStats{ProjectID: f.ProjectID, RejectedBy: map[string]int64{}}
		if err := rows.Scan(&hour, &h.Accepted, &h.Rejected, &h.RateLimited, &h.Stored); err != nil {
			return nil, fmt.Errorf("sqlite: find stats: %w", err)
		}
		h.Hour = tm(hour)
		byHour[hour] = h
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find stats: %w", err)
	}
	rows.Close()
	rrows, err := db.rdb.QueryContext(ctx, `SELECT hour, reason, count FROM stats_rejections_hourly
		WHERE project_id = ? AND hour >= ? AND hour < ?`, f.ProjectID, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find stats: %w", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var hour, n int64
		var reason string
		if err := rrows.Scan(&hour, &reason, &n); err != nil {
			return nil, fmt.Errorf("sqlite: find stats: %w", err)
		}
		if h := byHour[hour]; h != nil {
			h.RejectedBy[reason] += n
		}
	}
	return out, rrows.Err()
}
