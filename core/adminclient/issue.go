package adminclient

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// IssueDetail is an issue with its recent event counts (GetIssue).
type IssueDetail struct {
	core.Issue
	Stats IssueStats `json:"stats"`
}

// IssueStats holds event counts per hour for the last 24 hours and per day
// (UTC) for the last 30 days, oldest first, zeros included.
type IssueStats struct {
	Hours []core.Bucket `json:"24h"`
	Days  []core.Bucket `json:"30d"`
}

// ListIssues returns one page of f.ProjectID's issues. Zero fields of f
// send no filter; the server checks the values and its EINVALID names
// the field.
func (c *Client) ListIssues(ctx context.Context, f core.IssueFilter) (*IssuePage, error) {
	q := query{}
	q.str("status", f.Status)
	q.str("level", f.Level)
	q.str("environment", f.Environment)
	q.str("release", f.Release)
	q.str("query", f.Query)
	q.str("sort", f.Sort)
	q.str("cursor", f.Cursor)
	q.time("first_seen_from", f.FirstSeenGE)
	q.time("first_seen_to", f.FirstSeenLT)
	q.time("last_seen_from", f.LastSeenGE)
	q.time("last_seen_to", f.LastSeenLT)
	q.int("limit", int64(f.Limit))
	var p IssuePage
	return &p, c.Do(ctx, "GET", q.on(projectPath(f.ProjectID)+"/issues"), nil, &p)
}

// GetIssue returns an issue with its histogram, or ENOTFOUND.
func (c *Client) GetIssue(ctx context.Context, id int64) (*IssueDetail, error) {
	var is IssueDetail
	return &is, c.Do(ctx, "GET", issuePath(id), nil, &is)
}

// issueUpdate is the body of PATCH /issues/{id}.
type issueUpdate struct {
	Status      *string `json:"status,omitempty"`
	IgnoreUntil *string `json:"ignore_until,omitempty"`
	IgnoreCount *int64  `json:"ignore_count,omitempty"`
}

// UpdateIssue applies the non-nil fields of upd and returns the issue.
func (c *Client) UpdateIssue(ctx context.Context, id int64, upd core.IssueUpdate) (*core.Issue, error) {
	body := issueUpdate{Status: upd.Status, IgnoreCount: upd.IgnoreCount}
	if upd.IgnoreUntil != nil {
		s := upd.IgnoreUntil.UTC().Format(time.RFC3339)
		body.IgnoreUntil = &s
	}
	var is core.Issue
	return &is, c.Do(ctx, "PATCH", issuePath(id), body, &is)
}

// DeleteIssue deletes an issue and its events.
func (c *Client) DeleteIssue(ctx context.Context, id int64) error {
	return c.Do(ctx, "DELETE", issuePath(id), nil, nil)
}

// MergeIssues merges others into into and returns into afterwards.
func (c *Client) MergeIssues(ctx context.Context, into int64, others ...int64) (*core.Issue, error) {
	var is core.Issue
	return &is, c.Do(ctx, "POST", issuePath(into)+"/merge", map[string][]int64{"issue_ids": others}, &is)
}

// ListEvents returns one page of an issue's events, newest first, without
// payload and data. limit 0 is the server's default.
func (c *Client) ListEvents(ctx context.Context, issue int64, limit int, cursor string) (*EventPage, error) {
	q := query{}
	q.int("limit", int64(limit))
	q.str("cursor", cursor)
	var p EventPage
	return &p, c.Do(ctx, "GET", q.on(issuePath(issue)+"/events"), nil, &p)
}

// LatestEvent returns an issue's newest event in full.
func (c *Client) LatestEvent(ctx context.Context, issue int64) (*core.Event, error) {
	var ev core.Event
	return &ev, c.Do(ctx, "GET", issuePath(issue)+"/events/latest", nil, &ev)
}

// GetEvent returns one event of a project in full, or ENOTFOUND.
func (c *Client) GetEvent(ctx context.Context, project int64, eventID string) (*core.Event, error) {
	var ev core.Event
	return &ev, c.Do(ctx, "GET", eventPath(project, eventID), nil, &ev)
}

// ListFingerprints returns the hashes leading to the issue with their
// grouping configurations, oldest first.
func (c *Client) ListFingerprints(ctx context.Context, issue int64) ([]*core.Fingerprint, error) {
	var out FingerprintList
	return out.Fingerprints, c.Do(ctx, "GET", issuePath(issue)+"/fingerprints", nil, &out)
}

// EventGrouping is the answer of GetEventGrouping: the event's grouping
// decision.
type EventGrouping struct {
	EventID string `json:"event_id"`
	IssueID int64  `json:"issue_id"`
	core.Grouping
}

// GetEventGrouping explains how an event was grouped.
func (c *Client) GetEventGrouping(ctx context.Context, project int64, eventID string) (*EventGrouping, error) {
	var g EventGrouping
	return &g, c.Do(ctx, "GET", eventPath(project, eventID)+"/grouping", nil, &g)
}

// GetAttachment returns the bytes of an event's attachment.
func (c *Client) GetAttachment(ctx context.Context, project int64, eventID string, id int64) ([]byte, error) {
	var b []byte
	return b, c.Do(ctx, "GET", fmt.Sprintf("%s/attachments/%d", eventPath(project, eventID), id), nil, &b)
}

func issuePath(id int64) string { return fmt.Sprintf("/api/admin/issues/%d", id) }

func eventPath(project int64, eventID string) string {
	return projectPath(project) + "/events/" + url.PathEscape(eventID)
}
