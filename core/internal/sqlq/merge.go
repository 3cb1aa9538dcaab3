package sqlq

import (
	"context"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

// MergeIssues moves others into into in one transaction tx
// (core.AdminStore.MergeIssues). It reads every issue involved in id
// order, locking the rows where the dialect takes locks, so that
// concurrent writers wait in the order WriteEvents takes them.
func MergeIssues(ctx context.Context, tx Tx, into int64, others []int64) (*core.Issue, error) {
	ids, err := dbutil.MergeIDs(into, others)
	if err != nil {
		return nil, err
	}
	var r *dbutil.IssueRow
	err = tx(ctx, func(c Conn) error {
		var err error
		r, err = mergeIssues(ctx, c, into, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r.Issue, nil
}

// mergeIssues merges the issues ids (dbutil.MergeIDs) into into, in
// transaction c.
func mergeIssues(ctx context.Context, c Conn, into int64, ids []int64) (*dbutil.IssueRow, error) {
	d := c.Dialect()
	in, args := d.In("id", append([]int64{into}, ids...))
	list, err := Collect(ctx, c, withLock(`SELECT `+IssueCols+` FROM issues WHERE `+in+` ORDER BY id`, d.Lock("FOR UPDATE")),
		args, ScanIssue)
	if err != nil {
		return nil, fmt.Errorf("%s: lock issues: %w", d.Name, err)
	}
	byID := map[int64]*dbutil.IssueRow{}
	for _, row := range list {
		byID[row.ID] = row
	}
	r := byID[into]
	if r == nil {
		return nil, core.Errorf(core.ENOTFOUND, "issue %d not found", into)
	}
	merged := make([]*dbutil.IssueRow, 0, len(ids))
	for _, id := range ids {
		o := byID[id]
		if o == nil {
			return nil, core.Errorf(core.ENOTFOUND, "issue %d not found", id)
		}
		if o.ProjectID != r.ProjectID {
			return nil, core.FieldErrorf("issue_ids", "issue %d belongs to another project than issue %d", id, into)
		}
		merged = append(merged, o)
	}
	dbutil.MergeRows(r, merged)
	gone, goneArgs := d.In("issue_id", ids)
	moveArgs := append([]any{into}, goneArgs...)
	del, delArgs := d.In("id", ids)
	err = c.Batch(ctx,
		S(`UPDATE issue_fingerprints SET issue_id = ? WHERE `+gone, moveArgs...),
		S(`UPDATE events SET issue_id = ? WHERE `+gone, moveArgs...),
		S(`UPDATE alerts SET issue_id = ? WHERE `+gone, moveArgs...),
		S(`INSERT INTO issue_hourly (issue_id, hour, count)
			SELECT ?, hour, sum(count) FROM issue_hourly WHERE `+gone+` GROUP BY hour ORDER BY hour
			ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly.count + excluded.count`, moveArgs...),
		// The merged issues' tag values add to into's (past the bound of
		// values per key too: a merge keeps every count).
		S(`INSERT INTO issue_tags (issue_id, key, value, project_id, count, last_seen)
			SELECT ?, key, value, project_id, sum(count), max(last_seen) FROM issue_tags WHERE `+gone+`
			GROUP BY key, value, project_id ORDER BY key, value
			ON CONFLICT (issue_id, key, value) DO UPDATE SET count = issue_tags.count + excluded.count,
				last_seen = `+d.Greatest+`(issue_tags.last_seen, excluded.last_seen)`, moveArgs...),
		S(`DELETE FROM issues WHERE `+del, delArgs...),
		S(`UPDATE issues SET count = ?, first_seen = ?, last_seen = ?, last_event_id = ?,
			environment = ?, release = ? WHERE id = ?`,
			r.Count, r.FirstSeen, r.LastSeen, r.LastEventID, r.Environment, r.Release, into),
	)
	if err != nil {
		return nil, fmt.Errorf("%s: merge issues: %w", d.Name, err)
	}
	return r, nil
}

// ClaimBounds checks ClaimNotifications' arguments and returns now in UTC
// and the limit (0: 100).
func ClaimBounds(now time.Time, limit int, lease time.Duration) (time.Time, int, error) {
	limit, err := dbutil.Limit(limit)
	if err != nil {
		return now, 0, err
	} else if lease <= 0 {
		return now, 0, core.FieldErrorf("lease", "lease must be positive")
	}
	return dbutil.UTC(now), limit, nil
}

// DeleteIssue removes the issue and, by cascade, its events, fingerprints,
// counts and alerts; ENOTFOUND for an unknown issue.
func DeleteIssue(ctx context.Context, c Conn, id int64) error {
	n, err := c.Exec(ctx, `DELETE FROM issues WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("%s: delete issue: %w", c.Dialect().Name, err)
	}
	if n == 0 {
		return core.Errorf(core.ENOTFOUND, "issue %d not found", id)
	}
	return nil
}
