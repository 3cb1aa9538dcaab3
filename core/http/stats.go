package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

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
	if err := s.flushStats(c.UserContext()); err != nil {
		s.Logger.Warn("stats: flush before a stats request failed", "err", err)
	}
	st, err := s.svc().FindProjectStats(c.UserContext(), core.StatsFilter{ProjectID: id, From: from, To: to})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"project_id": st.ProjectID, "from": st.From, "to": st.To, "hours": st.Hours, "total": st.Total})
}
