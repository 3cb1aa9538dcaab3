package service

import (
	"context"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// MaxStatsRange bounds one stats request.
const MaxStatsRange = 31 * 24 * time.Hour

// StatsTotal sums a range of hours.
type StatsTotal struct {
	Accepted    int64            `json:"accepted"`
	Rejected    int64            `json:"rejected"`
	RateLimited int64            `json:"rate_limited"`
	Stored      int64            `json:"stored"`
	RejectedBy  map[string]int64 `json:"rejected_by_reason"`
}

// ProjectStats is a project's counters per hour over [From, To) and their
// sum.
type ProjectStats struct {
	ProjectID int64
	From, To  time.Time // UTC
	Hours     []*core.HourStats
	Total     StatsTotal
}

// FindProjectStats answers f.ProjectID's counters per hour from f.From to
// f.To. A zero To is the end of the current hour, a zero From 24 hours
// before To; From must be before To and the range at most 31 days
// (EINVALID naming from). ENOTFOUND for an unknown project.
func (s *Service) FindProjectStats(ctx context.Context, f core.StatsFilter) (*ProjectStats, error) {
	if f.To.IsZero() {
		f.To = s.now().UTC().Truncate(time.Hour).Add(time.Hour)
	}
	if f.From.IsZero() {
		f.From = f.To.Add(-24 * time.Hour)
	}
	if !f.From.Before(f.To) {
		return nil, core.FieldErrorf("from", "from must be before to")
	}
	if f.To.Sub(f.From) > MaxStatsRange {
		return nil, core.FieldErrorf("from", "a stats range may span at most 31 days")
	}
	if _, err := s.Store.FindProjectByID(ctx, f.ProjectID); err != nil {
		return nil, err
	}
	hours, err := s.Store.FindStats(ctx, f)
	if err != nil {
		return nil, err
	}
	st := &ProjectStats{ProjectID: f.ProjectID, From: f.From.UTC(), To: f.To.UTC(), Hours: hours,
		Total: StatsTotal{RejectedBy: map[string]int64{}}}
	for _, h := range hours {
		st.Total.Accepted += h.Accepted
		st.Total.Rejected += h.Rejected
		st.Total.RateLimited += h.RateLimited
		st.Total.Stored += h.Stored
		for r, n := range h.RejectedBy {
			st.Total.RejectedBy[r] += n
		}
	}
	return st, nil
}
