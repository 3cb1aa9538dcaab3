package http

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

// handleListAlerts lists a project's alerts, newest first, each with its
// notifications (state, attempts, last error, delivered at, every
// attempt). Filters: kind, issue_id, since (RFC 3339); limit and cursor
// page.
func (s *Server) handleListAlerts(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	f := core.AlertFilter{ProjectID: id, Kind: c.Query("kind"), Cursor: c.Query("cursor")}
	if v := c.Query("issue_id"); v != "" {
		if f.IssueID, err = strconv.ParseInt(v, 10, 64); err != nil || f.IssueID <= 0 {
			return s.adminError(c, core.FieldErrorf("issue_id", "issue_id must be a positive number"))
		}
	}
	if f.Since, err = timeQuery(c, "since"); err != nil {
		return s.adminError(c, err)
	}
	if f.Limit, err = pageLimit(c); err != nil {
		return s.adminError(c, err)
	}
	alerts, next, err := s.svc().FindAlerts(c.UserContext(), f)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"alerts": alerts, "next_cursor": next})
}

func (s *Server) handleAcknowledgeAlert(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	a, err := s.svc().AcknowledgeAlert(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(a)
}
