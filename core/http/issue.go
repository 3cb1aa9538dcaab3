package http

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

func (s *Server) adminRoutes(admin fiber.Router) {
	admin.Get("/projects/:id/issues", s.handleListIssues)
	admin.Get("/issues/:id", s.handleGetIssue)
	admin.Patch("/issues/:id", s.handleUpdateIssue)
	admin.Get("/issues/:id/events", s.handleListEvents)
	admin.Get("/projects/:id/events/:event_id", s.handleGetEvent)
	admin.Get("/projects/:id/events/:event_id/grouping", s.handleGetGrouping)
}

// pageLimit reads ?limit= (1..1000, default 100).
func pageLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, core.FieldErrorf("limit", "limit must be a number from 1 to 1000")
	}
	return n, nil
}

// timeQuery reads an RFC 3339 query parameter.
func timeQuery(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, core.FieldErrorf(name, "%s must be an RFC 3339 time", name)
	}
	return t, nil
}

func (s *Server) handleListIssues(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	if _, err := s.Store.FindProjectByID(c.UserContext(), id); err != nil {
		return s.adminError(c, err)
	}
	f := core.IssueFilter{
		ProjectID:   id,
		Status:      c.Query("status"),
		Level:       c.Query("level"),
		Environment: c.Query("environment"),
		Release:     c.Query("release"),
		Query:       c.Query("query"),
		Sort:        c.Query("sort"),
		Cursor:      c.Query("cursor"),
	}
	switch f.Status {
	case "", core.StatusUnresolved, core.StatusResolved, core.StatusIgnored:
	default:
		return s.adminError(c, core.FieldErrorf("status", "status must be unresolved, resolved or ignored"))
	}
	switch f.Sort {
	case "", "last_seen", "first_seen", "count":
	default:
		return s.adminError(c, core.FieldErrorf("sort", "sort must be last_seen, first_seen or count"))
	}
	if f.Limit, err = pageLimit(c); err != nil {
		return s.adminError(c, err)
	}
	for name, dst := range map[string]*time.Time{
		"first_seen_from": &f.FirstSeenGE, "first_seen_to": &f.FirstSeenLT,
		"last_seen_from": &f.LastSeenGE, "last_seen_to": &f.LastSeenLT,
	} {
		if *dst, err = timeQuery(c, name); err != nil {
			return s.adminError(c, err)
		}
	}
	issues, next, err := s.Store.FindIssues(c.UserContext(), f)
	if err != nil {
		return s.adminError(c, err)
	}
	if issues == nil {
		issues = []*core.Issue{}
	}
	return c.JSON(fiber.Map{"issues": issues, "next_cursor": next})
}

func (s *Server) handleGetIssue(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	iss, err := s.Store.FindIssueByID(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(iss)
}

type updateIssueRequest struct {
	Status      *string    `json:"status"`
	IgnoreUntil *time.Time `json:"ignore_until"`
	IgnoreCount *int64     `json:"ignore_count"`
}

func (s *Server) handleUpdateIssue(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req updateIssueRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	if req.Status != nil {
		switch *req.Status {
		case core.StatusUnresolved, core.StatusResolved, core.StatusIgnored:
		default:
			return s.adminError(c, core.FieldErrorf("status", "status must be unresolved, resolved or ignored"))
		}
	}
	if req.IgnoreCount != nil && *req.IgnoreCount < 1 {
		return s.adminError(c, core.FieldErrorf("ignore_count", "ignore_count must be at least 1"))
	}
	iss, err := s.Store.UpdateIssue(c.UserContext(), id, core.IssueUpdate{Status: req.Status, IgnoreUntil: req.IgnoreUntil, IgnoreCount: req.IgnoreCount})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(iss)
}

func (s *Server) handleListEvents(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	if _, err := s.Store.FindIssueByID(c.UserContext(), id); err != nil {
		return s.adminError(c, err)
	}
	limit, err := pageLimit(c)
	if err != nil {
		return s.adminError(c, err)
	}
	evs, next, err := s.Store.FindEvents(c.UserContext(), core.EventFilter{IssueID: id, Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return s.adminError(c, err)
	}
	if evs == nil {
		evs = []*core.Event{}
	}
	return c.JSON(fiber.Map{"events": evs, "next_cursor": next})
}

func (s *Server) findEvent(c *fiber.Ctx) (*core.Event, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	eventID := c.Params("event_id")
	if len(eventID) == 36 { // dashed UUID
		eventID = stripDashes(eventID)
	}
	return s.Store.FindEventByID(c.UserContext(), id, eventID)
}

func stripDashes(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func (s *Server) handleGetEvent(c *fiber.Ctx) error {
	ev, err := s.findEvent(c)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(ev)
}

func (s *Server) handleGetGrouping(c *fiber.Ctx) error {
	ev, err := s.findEvent(c)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{
		"event_id":   ev.EventID,
		"issue_id":   ev.IssueID,
		"decided_by": ev.Grouping.DecidedBy,
		"name":       ev.Grouping.Name,
		"config":     ev.Grouping.Config,
		"hash":       ev.Grouping.Hash,
		"components": ev.Grouping.Components,
	})
}
