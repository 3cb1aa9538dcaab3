package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// FindStats returns the project's counted hours in f's range, oldest first
// (core.StatsStore.FindStats).
func FindStats(ctx context.Context, c Conn, f core.StatsFilter) ([]*core.HourStats, error) {
	name := c.Dialect().Name
	var w Where
	w.Add("project_id = ?", f.ProjectID)
	if !f.From.IsZero() {
		w.Add("hour >= ?", dbutil.Hour(f.From))
	}
	if !f.To.IsZero() {
		w.Add("hour < ?", dbutil.Hour(f.To))
	}
	byHour := map[int64]*core.HourStats{}
	out, err := Collect(ctx, c, `SELECT hour, accepted, rejected, rate_limited, stored FROM stats_hourly`+w.SQL()+` ORDER BY hour`,
		w.Args(), func(s Scanner) (*core.HourStats, error) {
			h := &core.HourStats{ProjectID: f.ProjectID, RejectedBy: map[string]int64{}}
			if err := s.Scan(&h.Hour, &h.Accepted, &h.Rejected, &h.RateLimited, &h.Stored); err != nil {
				return nil, err
			}
			byHour[h.Hour.UnixMicro()] = h
			return h, nil
		})
	if err != nil {
		return nil, fmt.Errorf("%s: find stats: %w", name, err)
	}
	err = c.Query(ctx, `SELECT hour, reason, count FROM stats_rejections_hourly`+w.SQL(), w.Args(), func(s Scanner) error {
		var hour time.Time
		var reason string
		var n int64
		if err := s.Scan(&hour, &reason, &n); err != nil {
			return err
		}
		if h := byHour[hour.UnixMicro()]; h != nil {
			h.RejectedBy[reason] += n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: find stats: %w", name, err)
	}
	return out, nil
}
