package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// IssueCols are the columns ScanIssue reads, in order.
const IssueCols = `id, project_id, fingerprint, title, culprit, level, platform, status, first_seen, last_seen, count,
	resolved_at, ignore_until, ignore_count, last_event_id, environment, release`

// ScanIssue reads a row of IssueCols.
func ScanIssue(s Scanner) (*dbutil.IssueRow, error) {
	var r dbutil.IssueRow
	if err := s.Scan(&r.ID, &r.ProjectID, &r.Fingerprint, &r.Title, &r.Culprit, &r.Level, &r.Platform, &r.Status,
		&r.FirstSeen, &r.LastSeen, &r.Count, &r.ResolvedAt, &r.IgnoreUntil, &r.IgnoreCount, &r.LastEventID,
		&r.Environment, &r.Release); err != nil {
		return nil, err
	}
	return &r, nil
}

// FindIssue reads one issue, or ENOTFOUND. lock is "" or a locking clause
// the dialect takes ("FOR NO KEY UPDATE").
func FindIssue(ctx context.Context, c Conn, id int64, lock string) (*dbutil.IssueRow, error) {
	r, err := ScanIssue(c.QueryRow(ctx, withLock(`SELECT `+IssueCols+` FROM issues WHERE id = ?`, lock), id))
	if IsNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "issue %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("%s: find issue: %w", c.Dialect().Name, err)
	}
	return r, nil
}

// issueSortCol maps a sort to its column.
var issueSortCol = map[string]string{
	dbutil.SortLastSeen:  "last_seen",
	dbutil.SortFirstSeen: "first_seen",
	dbutil.SortCount:     "count",
}

// FindIssues returns one page of issues, sorted descending by f.Sort then
// id, and the cursor of the next page (core.IssueStore.FindIssues).
func FindIssues(ctx context.Context, c Conn, f core.IssueFilter) ([]*core.Issue, string, error) {
	f, err := dbutil.IssueFilter(f)
	if err != nil {
		return nil, "", err
	}
	kind := "issues:" + f.Sort
	cur, hasCur, err := dbutil.DecodeCursor(kind, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	col := issueSortCol[f.Sort]
	var w Where
	if f.ProjectID != 0 {
		w.Add("project_id = ?", f.ProjectID)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.Level != "" {
		w.Add("level = ?", f.Level)
	}
	if f.Environment != "" {
		w.Add("environment = ?", f.Environment)
	}
	if f.Release != "" {
		w.Add("release = ?", f.Release)
	}
	if f.Query != "" {
		if err := searchConds(ctx, c, &w, f.ProjectID, f.Query, time.Now()); err != nil {
			return nil, "", err
		}
	}
	for _, r := range []struct {
		cond string
		t    time.Time
	}{{"first_seen >= ?", f.FirstSeenGE}, {"first_seen < ?", f.FirstSeenLT}, {"last_seen >= ?", f.LastSeenGE}, {"last_seen < ?", f.LastSeenLT}} {
		if !r.t.IsZero() {
			w.Add(r.cond, r.t)
		}
	}
	if hasCur {
		var v any = cur.Value
		if f.Sort != dbutil.SortCount {
			v = time.UnixMicro(cur.Value).UTC()
		}
		w.Add("("+col+", id) < (?, ?)", v, cur.ID)
	}
	q := `SELECT ` + IssueCols + ` FROM issues` + w.SQL() + ` ORDER BY ` + col + ` DESC, id DESC LIMIT ?`
	issues, err := Collect(ctx, c, q, w.Args(f.Limit+1), func(s Scanner) (*core.Issue, error) {
		r, err := ScanIssue(s)
		if err != nil {
			return nil, err
		}
		return &r.Issue, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("%s: find issues: %w", c.Dialect().Name, err)
	}
	next := ""
	if len(issues) > f.Limit {
		issues = issues[:f.Limit]
		last := issues[len(issues)-1]
		cur := dbutil.Cursor{ID: last.ID}
		switch f.Sort {
		case dbutil.SortLastSeen:
			cur.Value = last.LastSeen.UnixMicro()
		case dbutil.SortFirstSeen:
			cur.Value = last.FirstSeen.UnixMicro()
		case dbutil.SortCount:
			cur.Value = last.Count
		}
		next = dbutil.EncodeCursor(kind, cur)
	}
	return issues, next, nil
}

// UpdateIssue applies upd (core.Issue.Update) to issue id read with lock
// (FindIssue) and stores its status and ignore bounds; ENOTFOUND or
// EINVALID. c is a transaction.
func UpdateIssue(ctx context.Context, c Conn, id int64, lock string, upd core.IssueUpdate, now time.Time) (*dbutil.IssueRow, error) {
	r, err := FindIssue(ctx, c, id, lock)
	if err != nil {
		return nil, err
	}
	if err := r.Issue.Update(upd, now); err != nil {
		return nil, err
	}
	if _, err := c.Exec(ctx, `UPDATE issues SET status = ?, resolved_at = ?, ignore_until = ?, ignore_count = ? WHERE id = ?`,
		r.Status, r.ResolvedAt, r.IgnoreUntil, r.IgnoreCount, id); err != nil {
		return nil, fmt.Errorf("%s: update issue: %w", c.Dialect().Name, err)
	}
	return r, nil
}
