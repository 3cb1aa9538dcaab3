package http

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// Query parameters of the issue listing.
var issueListParams = []string{"status", "level", "environment", "release", "query", "sort", "limit", "cursor",
	"first_seen_from", "first_seen_to", "last_seen_from", "last_seen_to"}

// issueFilter reads the listing's query parameters; a parameter that is
// not a number or a time is EINVALID naming it. The service checks the
// values.
func issueFilter(c *fiber.Ctx, projectID int64) (core.IssueFilter, error) {
	f := core.IssueFilter{
		ProjectID:   projectID,
		Status:      c.Query("status"),
		Level:       c.Query("level"),
		Sort:        c.Query("sort"),
		Environment: c.Query("environment"),
		Release:     c.Query("release"),
		Query:       c.Query("query"),
		Cursor:      c.Query("cursor"),
	}
	var err error
	if err = onlyQuery(c, issueListParams...); err != nil {
		return f, err
	}
	if f.Limit, err = pageLimit(c); err != nil {
		return f, err
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"first_seen_from", &f.FirstSeenGE}, {"first_seen_to", &f.FirstSeenLT}, {"last_seen_from", &f.LastSeenGE}, {"last_seen_to", &f.LastSeenLT}} {
		if *t.dst, err = timeQuery(c, t.name); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Server) handleListIssues(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	f, err := issueFilter(c, id)
	if err != nil {
		return s.adminError(c, err)
	}
	issues, next, err := s.svc().FindIssues(c.UserContext(), f)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"issues": issues, "next_cursor": next})
}

// findIssue returns the issue named by the :id path parameter, or
// ENOTFOUND when it does not exist or its project is being deleted.
func (s *Server) findIssue(c *fiber.Ctx) (*core.Issue, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.svc().FindIssue(c.UserContext(), id)
}

// issueDetail is one issue with its recent event counts.
type issueDetail struct {
	*core.Issue
	Stats service.IssueStats `json:"stats"`
}

func (s *Server) handleGetIssue(c *fiber.Ctx) error {
	iss, err := s.findIssue(c)
	if err != nil {
		return s.adminError(c, err)
	}
	st, err := s.svc().FindIssueStats(c.UserContext(), iss.ID)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(issueDetail{Issue: iss, Stats: st})
}

// updateIssueRequest is the body of PATCH /issues/{id}. IgnoreUntil is
// read as a string so that a malformed time is refused naming the field.
type updateIssueRequest struct {
	Status      *string `json:"status"`
	IgnoreUntil *string `json:"ignore_until"`
	IgnoreCount *int64  `json:"ignore_count"`
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
	var until *time.Time
	if req.IgnoreUntil != nil {
		t, err := time.Parse(time.RFC3339, *req.IgnoreUntil)
		if err != nil {
			return s.adminError(c, core.FieldErrorf("ignore_until", "ignore_until must be an RFC 3339 time (2006-01-02T15:04:05Z)"))
		}
		until = &t
	}
	iss, err := s.svc().UpdateIssue(c.UserContext(), id, core.IssueUpdate{Status: req.Status, IgnoreUntil: until, IgnoreCount: req.IgnoreCount})
	if err != nil {
		return s.adminError(c, err)
	}
	// The web UI's activity list shows what the admin API did too (actor
	// "": the admin key names nobody).
	action := "ignore"
	if req.Status != nil && *req.Status != core.StatusIgnored {
		action = map[string]string{core.StatusResolved: "resolve", core.StatusUnresolved: "unresolve"}[*req.Status]
	}
	if err := s.svc().RecordActivity(c.UserContext(), iss.ID, "", action, "through the admin API"); err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(iss)
}

func (s *Server) handleDeleteIssue(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.svc().DeleteIssue(c.UserContext(), id); err != nil {
		return s.adminError(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type mergeIssuesRequest struct {
	IssueIDs []int64 `json:"issue_ids"`
}

func (s *Server) handleMergeIssues(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req mergeIssuesRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	merged, err := s.svc().MergeIssues(c.UserContext(), id, req.IssueIDs)
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.svc().RecordActivity(c.UserContext(), merged.ID, "", "merge", fmt.Sprintf("merged %v through the admin API", req.IssueIDs)); err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(merged)
}
