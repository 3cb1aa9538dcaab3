package http

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

func (s *Server) adminRoutes(admin fiber.Router) {
	admin.Get("/projects/:id/issues", s.handleListIssues)
	admin.Get("/issues/:id", s.handleGetIssue)
	admin.Patch("/issues/:id", s.handleUpdateIssue)
	admin.Delete("/issues/:id", s.handleDeleteIssue)
	admin.Post("/issues/:id/merge", s.handleMergeIssues)
	admin.Get("/issues/:id/events", s.handleListEvents)
	admin.Get("/issues/:id/events/latest", s.handleLatestEvent)
	admin.Get("/projects/:id/events/:event_id", s.handleGetEvent)
	admin.Get("/projects/:id/events/:event_id/grouping", s.handleGetGrouping)
	admin.Get("/projects/:id/events/:event_id/attachments/:attachment_id", s.handleGetAttachment)
}

// Query parameters of the issue listing.
var issueListParams = []string{"status", "level", "environment", "release", "query", "sort", "limit", "cursor",
	"first_seen_from", "first_seen_to", "last_seen_from", "last_seen_to"}

// issueFilter reads the listing's query parameters; problems are EINVALID
// naming the parameter.
func issueFilter(c *fiber.Ctx, projectID int64) (core.IssueFilter, error) {
	f := core.IssueFilter{
		ProjectID:   projectID,
		Environment: c.Query("environment"),
		Release:     c.Query("release"),
		Query:       c.Query("query"),
		Cursor:      c.Query("cursor"),
	}
	var err error
	if err = onlyQuery(c, issueListParams...); err != nil {
		return f, err
	}
	if f.Status, err = enumQuery(c, "status", core.StatusUnresolved, core.StatusResolved, core.StatusIgnored); err != nil {
		return f, err
	}
	if f.Level, err = enumQuery(c, "level", core.LevelFatal, core.LevelError, core.LevelWarning, core.LevelInfo, core.LevelDebug); err != nil {
		return f, err
	}
	if f.Sort, err = enumQuery(c, "sort", "last_seen", "first_seen", "count"); err != nil {
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
	if _, err := s.Store.FindProjectByID(c.UserContext(), id); err != nil {
		return s.adminError(c, err)
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

// findIssue returns the issue named by the :id path parameter, or
// ENOTFOUND when it does not exist or its project is being deleted.
func (s *Server) findIssue(c *fiber.Ctx) (*core.Issue, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	iss, err := s.Store.FindIssueByID(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.FindProjectByID(c.UserContext(), iss.ProjectID); core.IsNotFound(err) {
		return nil, core.Errorf(core.ENOTFOUND, "issue %d not found", id)
	} else if err != nil {
		return nil, err
	}
	return iss, nil
}

// issueDetail is one issue with its recent event counts.
type issueDetail struct {
	*core.Issue
	Stats issueStats `json:"stats"`
}

// issueStats holds event counts per hour for the last 24 hours and per
// day (UTC) for the last 30 days, oldest first, zeros included.
type issueStats struct {
	Hours []core.Bucket `json:"24h"`
	Days  []core.Bucket `json:"30d"`
}

// histogram spreads hourly counts over 24 hours and 30 days ending now.
func histogram(hourly []core.Bucket, now time.Time) issueStats {
	now = now.UTC()
	h0 := now.Truncate(time.Hour).Add(-23 * time.Hour)
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -29)
	st := issueStats{Hours: make([]core.Bucket, 24), Days: make([]core.Bucket, 30)}
	for i := range st.Hours {
		st.Hours[i].Start = h0.Add(time.Duration(i) * time.Hour)
	}
	for i := range st.Days {
		st.Days[i].Start = d0.AddDate(0, 0, i)
	}
	for _, b := range hourly {
		t := b.Start.UTC()
		if i := int(t.Sub(h0) / time.Hour); !t.Before(h0) && i < 24 {
			st.Hours[i].Count += b.Count
		}
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		for i := range st.Days { // 30 steps; AddDate keeps calendar days exact
			if st.Days[i].Start.Equal(day) {
				st.Days[i].Count += b.Count
				break
			}
		}
	}
	return st
}

func (s *Server) handleGetIssue(c *fiber.Ctx) error {
	iss, err := s.findIssue(c)
	if err != nil {
		return s.adminError(c, err)
	}
	now := time.Now()
	hourly, err := s.Store.FindIssueHistogram(c.UserContext(), iss.ID, now.AddDate(0, 0, -31))
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(issueDetail{Issue: iss, Stats: histogram(hourly, now)})
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
	var until *time.Time
	if req.IgnoreUntil != nil {
		t, err := time.Parse(time.RFC3339, *req.IgnoreUntil)
		if err != nil {
			return s.adminError(c, core.FieldErrorf("ignore_until", "ignore_until must be an RFC 3339 time (2006-01-02T15:04:05Z)"))
		}
		if !t.After(time.Now()) {
			return s.adminError(c, core.FieldErrorf("ignore_until", "ignore_until must be in the future"))
		}
		until = &t
	}
	if (req.IgnoreUntil != nil || req.IgnoreCount != nil) && req.Status != nil && *req.Status != core.StatusIgnored {
		return s.adminError(c, core.FieldErrorf("status", "ignore_until and ignore_count go with status ignored"))
	}
	if _, err := s.findIssue(c); err != nil {
		return s.adminError(c, err)
	}
	iss, err := s.Store.UpdateIssue(c.UserContext(), id, core.IssueUpdate{Status: req.Status, IgnoreUntil: until, IgnoreCount: req.IgnoreCount})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(iss)
}

func (s *Server) handleDeleteIssue(c *fiber.Ctx) error {
	iss, err := s.findIssue(c)
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.Store.DeleteIssue(c.UserContext(), iss.ID); err != nil {
		return s.adminError(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type mergeIssuesRequest struct {
	IssueIDs []int64 `json:"issue_ids"`
}

func (s *Server) handleMergeIssues(c *fiber.Ctx) error {
	if _, err := idParam(c, "id"); err != nil {
		return s.adminError(c, err)
	}
	var req mergeIssuesRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	if len(req.IssueIDs) == 0 {
		return s.adminError(c, core.FieldErrorf("issue_ids", "issue_ids is required: the ids of the issues to merge into this one"))
	}
	iss, err := s.findIssue(c)
	if err != nil {
		return s.adminError(c, err)
	}
	merged, err := s.Store.MergeIssues(c.UserContext(), iss.ID, req.IssueIDs)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(merged)
}
