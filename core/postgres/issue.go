package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

const issueCols = `id, project_id, fingerprint, title, culprit, level, platform, status, first_seen, last_seen, count,
	resolved_at, ignore_until, ignore_count, last_event_id, environment, release`

func scanIssue(s pgx.Row) (*dbutil.IssueRow, error) {
	var r dbutil.IssueRow
	if err := s.Scan(&r.ID, &r.ProjectID, &r.Fingerprint, &r.Title, &r.Culprit, &r.Level, &r.Platform, &r.Status,
		&r.FirstSeen, &r.LastSeen, &r.Count, &r.ResolvedAt, &r.IgnoreUntil, &r.IgnoreCount, &r.LastEventID,
		&r.Environment, &r.Release); err != nil {
		return nil, err
	}
	r.FirstSeen, r.LastSeen = r.FirstSeen.UTC(), r.LastSeen.UTC()
	r.ResolvedAt, r.IgnoreUntil = utcPtr(r.ResolvedAt), utcPtr(r.IgnoreUntil)
	return &r, nil
}

func findIssue(ctx context.Context, q querier, id int64, lock bool) (*dbutil.IssueRow, error) {
	query := `SELECT ` + issueCols + ` FROM issues WHERE id = $1`
	if lock {
		query += ` FOR NO KEY UPDATE` // compatible with the KEY SHARE locks of event inserts
	}
	r, err := scanIssue(q.QueryRow(ctx, query, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "issue %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: find issue: %w", err)
	}
	return r, nil
}

// FindIssueByID returns the issue or ENOTFOUND.
func (db *DB) FindIssueByID(ctx context.Context, id int64) (*core.Issue, error) {
	r, err := findIssue(ctx, db.pool, id, false)
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
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
	col := map[string]string{dbutil.SortLastSeen: "last_seen", dbutil.SortFirstSeen: "first_seen", dbutil.SortCount: "count"}[f.Sort]
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		for _, v := range a {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
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
		add(`(title ILIKE ? ESCAPE '\' OR culprit ILIKE ? ESCAPE '\')`, pat, pat)
	}
	for _, r := range []struct {
		cond string
		t    time.Time
	}{{"first_seen >= ?", f.FirstSeenGE}, {"first_seen < ?", f.FirstSeenLT}, {"last_seen >= ?", f.LastSeenGE}, {"last_seen < ?", f.LastSeenLT}} {
		if !r.t.IsZero() {
			add(r.cond, r.t)
		}
	}
	if hasCur {
		var v any = cur.Value
		if f.Sort != dbutil.SortCount {
			v = time.UnixMicro(cur.Value).UTC()
		}
		add("("+col+", id) < (?, ?)", v, cur.ID)
	}
	q := `SELECT ` + issueCols + ` FROM issues`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit+1)
	q += ` ORDER BY ` + col + ` DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: find issues: %w", err)
	}
	issues, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Issue, error) {
		row, err := scanIssue(r)
		if err != nil {
			return nil, err
		}
		return &row.Issue, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("postgres: find issues: %w", err)
	}
	if issues == nil {
		issues = []*core.Issue{}
	}
	next := ""
	if len(issues) > f.Limit {
		issues = issues[:f.Limit]
		last := issues[len(issues)-1]
		c := dbutil.Cursor{ID: last.ID}
		switch f.Sort {
		case dbutil.SortLastSeen:
			c.Value = last.LastSeen.UnixMicro()
		case dbutil.SortFirstSeen:
			c.Value = last.FirstSeen.UnixMicro()
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if r, err = findIssue(ctx, tx, id, true); err != nil {
			return err
		}
		if err := r.Issue.Update(upd, db.clock()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE issues SET status = $1, resolved_at = $2, ignore_until = $3, ignore_count = $4 WHERE id = $5`,
			r.Status, r.ResolvedAt, r.IgnoreUntil, r.IgnoreCount, id)
		if err != nil {
			return fmt.Errorf("postgres: update issue: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}
