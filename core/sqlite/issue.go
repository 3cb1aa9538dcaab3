package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

const issueCols = `id, project_id, fingerprint, title, culprit, level, platform, status, first_seen, last_seen, count,
	resolved_at, ignore_until, ignore_count, last_event_id, environment, release`

func scanIssue(s scanner) (*dbutil.IssueRow, error) {
	var r dbutil.IssueRow
	var first, last int64
	var resolved, until sql.NullInt64
	if err := s.Scan(&r.ID, &r.ProjectID, &r.Fingerprint, &r.Title, &r.Culprit, &r.Level, &r.Platform, &r.Status,
		&first, &last, &r.Count, &resolved, &until, &r.IgnoreCount, &r.LastEventID, &r.Environment, &r.Release); err != nil {
		return nil, err
	}
	r.FirstSeen, r.LastSeen = tm(first), tm(last)
	r.ResolvedAt, r.IgnoreUntil = tmPtr(resolved), tmPtr(until)
	return &r, nil
}

func findIssue(ctx context.Context, q querier, id int64) (*dbutil.IssueRow, error) {
	r, err := scanIssue(q.QueryRowContext(ctx, `SELECT `+issueCols+` FROM issues WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "issue %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: find issue: %w", err)
	}
	return r, nil
}

// FindIssueByID returns the issue or ENOTFOUND.
func (db *DB) FindIssueByID(ctx context.Context, id int64) (*core.Issue, error) {
	r, err := findIssue(ctx, db.rdb, id)
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}

// issueSortCol maps a sort to its column.
var issueSortCol = map[string]string{
	dbutil.SortLastSeen:  "last_seen",
	dbutil.SortFirstSeen: "first_seen",
	dbutil.SortCount:     "count",
}

// FindIssues returns one page of issues, sorted descending by f.Sort then
// id, and the cursor of the next page.
func (db *DB) FindIssues(ctx context.Context, f core.IssueFilter) ([]*core.Issue, string, error) {
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
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if f.ProjectID != 0 {
		add("project_id = ?", f.ProjectID)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Level != "" {
		add("level = ?", f.Level)
	}
	if f.Environment != "" {
		add("environment = ?", f.Environment)
	}
	if f.Release != "" {
		add("release = ?", f.Release)
	}
	if f.Query != "" {
		pat := dbutil.LikePattern(f.Query)
		add(`(title LIKE ? ESCAPE '\' OR culprit LIKE ? ESCAPE '\')`, pat, pat)
	}
	if !f.FirstSeenGE.IsZero() {
		add("first_seen >= ?", us(f.FirstSeenGE))
	}
	if !f.FirstSeenLT.IsZero() {
		add("first_seen < ?", us(f.FirstSeenLT))
	}
	if !f.LastSeenGE.IsZero() {
		add("last_seen >= ?", us(f.LastSeenGE))
	}
	if !f.LastSeenLT.IsZero() {
		add("last_seen < ?", us(f.LastSeenLT))
	}
	if hasCur {
		add("("+col+", id) < (?, ?)", cur.Value, cur.ID)
	}
	q := `SELECT ` + issueCols + ` FROM issues`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY ` + col + ` DESC, id DESC LIMIT ?`
	args = append(args, f.Limit+1)
	rows, err := db.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: find issues: %w", err)
	}
	defer rows.Close()
	issues := []*core.Issue{}
	for rows.Next() {
		r, err := scanIssue(rows)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: find issues: %w", err)
		}
		issues = append(issues, &r.Issue)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: find issues: %w", err)
	}
	next := ""
	if len(issues) > f.Limit {
		issues = issues[:f.Limit]
		last := issues[len(issues)-1]
		c := dbutil.Cursor{ID: last.ID}
		switch f.Sort {
		case dbutil.SortLastSeen:
			c.Value = us(last.LastSeen)
		case dbutil.SortFirstSeen:
			c.Value = us(last.FirstSeen)
		case dbutil.SortCount:
			c.Value = last.Count
		}
		next = dbutil.EncodeCursor(kind, c)
	}
	return issues, next, nil
}

// UpdateIssue applies upd (see core.Issue.Update) and returns the
// issue; ENOTFOUND or EINVALID.
func (db *DB) UpdateIssue(ctx context.Context, id int64, upd core.IssueUpdate) (*core.Issue, error) {
	var r *dbutil.IssueRow
	db.wmu.Lock()
	defer db.wmu.Unlock()
	delete(db.issues, id)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = findIssue(ctx, tx, id); err != nil {
			return err
		}
		if err := r.Issue.Update(upd, db.clock()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE issues SET status = ?, resolved_at = ?, ignore_until = ?, ignore_count = ? WHERE id = ?`,
			r.Status, usPtr(r.ResolvedAt), usPtr(r.IgnoreUntil), r.IgnoreCount, id)
		if err != nil {
			return fmt.Errorf("sqlite: update issue: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}
