package http

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

// maxStatsRange bounds one stats request.
const maxStatsRange = 31 * 24 * time.Hour

// statsTotal sums a range of hours.
type statsTotal struct {
	Accepted    int64            `json:"accepted"`
	Rejected    int64            `json:"rejected"`
	RateLimited int64            `json:"rate_limited"`
	Stored      int64            `json:"stored"`
	RejectedBy  map[string]int64 `json:"rejected_by_reason"`
}

// handleProjectStats answers a project's counters per hour, from (default:
// 24 hours before to) to to (default: now). Ingestion's counters are
// flushed first, so the answer includes every request made before it.
func (s *Server) handleProjectStats(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	if err := onlyQuery(c, "from", "to"); err != nil {
		return s.adminError(c, err)
	}
	from, err := timeQuery(c, "from")
	if err != nil {
		return s.adminError(c, err)
	}
	to, err := timeQuery(c, "to")
	if err != nil {
		return s.adminError(c, err)
	}
	if to.IsZero() {
		to = time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
	}
	if !from.Before(to) {
		return s.adminError(c, core.FieldErrorf("from", "from must be before to"))
	}
	if to.Sub(from) > maxStatsRange {
		return s.adminError(c, core.FieldErrorf("from", "a stats range may span at most 31 days"))
	}
	if _, err := s.Store.FindProjectByID(c.UserContext(), id); err != nil {
		return s.adminError(c, err)
	}
	if err := s.flushStats(c.UserContext()); err != nil {
		s.Logger.Warn("stats: flush before a stats request failed", "err", err)
	}
	hours, err := s.Store.FindStats(c.UserContext(), core.StatsFilter{ProjectID: id, From: from, To: to})
	if err != nil {
		return s.adminError(c, err)
	}
	total := statsTotal{RejectedBy: map[string]int64{}}
	for _, h := range hours {
		total.Accepted += h.Accepted
		total.Rejected += h.Rejected
		total.RateLimited += h.RateLimited
		total.Stored += h.Stored
		for r, n := range h.RejectedBy {
			total.RejectedBy[r] += n
		}
	}
	return c.JSON(fiber.Map{"project_id": id, "from": from.UTC(), "to": to.UTC(), "hours": hours, "total": total})
}
