package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// tagCountSQL upserts the issue_tags rows the TagCounter does not know,
// given as one JSON array of [issue_id, key, value, project_id, count,
// last_seen] (one statement per batch, not one per row), and returns the
// rows it counted: a value the issue does not have yet becomes the key's
// ” row once the issue has MaxTagValues rows of the key. (The SELECT
// needs its WHERE for SQLite to read ON CONFLICT.)
var tagCountSQL = `INSERT INTO issue_tags (issue_id, key, value, project_id, count, last_seen)
	SELECT u.issue_id, u.key, CASE WHEN EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = u.issue_id AND t.key = u.key AND t.value = u.value)
		OR (SELECT count(*) FROM issue_tags t WHERE t.issue_id = u.issue_id AND t.key = u.key) < ` + strconv.Itoa(dbutil.MaxTagValues) + `
		THEN u.value ELSE '' END, u.project_id, u.count, u.last_seen
	FROM (SELECT j.value ->> 0 AS issue_id, j.value ->> 1 AS key, j.value ->> 2 AS value, j.value ->> 3 AS project_id,
		j.value ->> 4 AS count, j.value ->> 5 AS last_seen FROM json_each(?) j) u WHERE true
	ON CONFLICT (issue_id, key, value) DO UPDATE SET count = count + excluded.count,
		last_seen = max(last_seen, excluded.last_seen)
	RETURNING issue_id, key, value`

// tagAddSQL adds counts the TagCounter held to rows it knows, given as one
// JSON array of [issue_id, key, value, count, last_seen].
const tagAddSQL = `UPDATE issue_tags SET count = issue_tags.count + u.count, last_seen = max(issue_tags.last_seen, u.last_seen)
	FROM (SELECT j.value ->> 0 AS issue_id, j.value ->> 1 AS key, j.value ->> 2 AS value, j.value ->> 3 AS count,
		j.value ->> 4 AS last_seen FROM json_each(?) j) u
	WHERE issue_tags.issue_id = u.issue_id AND issue_tags.key = u.key AND issue_tags.value = u.value`

// tagJSON encodes rows for tagCountSQL (withProject) or tagAddSQL.
func tagJSON(rows []dbutil.TagCount, withProject bool) (string, error) {
	out := make([][]any, len(rows))
	for i, t := range rows {
		if withProject {
			out[i] = []any{t.IssueID, t.Key, t.Value, t.ProjectID, t.Count, us(t.LastSeen)}
		} else {
			out[i] = []any{t.IssueID, t.Key, t.Value, t.Count, us(t.LastSeen)}
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// issueTextSQL writes an issue's search text (triggers index it).
const issueTextSQL = `INSERT INTO issue_text (issue_id, text) VALUES (?, ?)
	ON CONFLICT (issue_id) DO UPDATE SET text = excluded.text`

// writeSearch keeps the search tables of the batch's issues: the tag
// values the TagCounter does not know yet are upserted with their counts,
// those it knows are counted in memory, and the counts it held long enough
// are written; issues created or retitled get their search text (texts).
func (b *batchWriter) writeSearch(ctx context.Context, ws *writeStmts, issueIDs []int64, stored []bool, texts []dbutil.IssueText) error {
	counter := b.db.tags
	plan := counter.Plan(dbutil.BatchTags(b.ps, issueIDs, stored), b.now)
	if len(plan.Insert) > 0 {
		arg, err := tagJSON(plan.Insert, true)
		if err != nil {
			return err
		}
		rows, err := b.st(ws.tagCount).QueryContext(ctx, arg)
		if err != nil {
			return fmt.Errorf("sqlite: count issue tags: %w", err)
		}
		for rows.Next() {
			var issue int64
			var key, value string
			if err := rows.Scan(&issue, &key, &value); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: count issue tags: %w", err)
			}
			plan.Counted(issue, key, value)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("sqlite: count issue tags: %w", err)
		}
	}
	if err := addTags(ctx, b.st(ws.tagAdd), plan.Flush); err != nil {
		return err
	}
	if len(texts) > 0 {
		issueText := b.st(ws.issueText)
		for _, t := range texts {
			if _, err := issueText.ExecContext(ctx, t.IssueID, t.Text); err != nil {
				return fmt.Errorf("sqlite: write issue text: %w", err)
			}
		}
	}
	b.committed = func() { counter.Commit(plan) }
	return nil
}

func addTags(ctx context.Context, st *sql.Stmt, rows []dbutil.TagCount) error {
	if len(rows) == 0 {
		return nil
	}
	arg, err := tagJSON(rows, false)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, arg); err != nil {
		return fmt.Errorf("sqlite: add issue tag counts: %w", err)
	}
	return nil
}

// flushTags writes every count the TagCounter holds (at Close); the caller
// holds wmu.
func (db *DB) flushTags() {
	rows := db.tags.Due(time.Time{}, true)
	if len(rows) == 0 {
		return
	}
	ctx := context.Background()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, tagAddSQL)
		if err != nil {
			return err
		}
		defer st.Close()
		return addTags(ctx, st, rows)
	})
	if err == nil {
		db.tags.Flushed(rows, time.Time{})
	}
}

// FindIssueTags returns the issue's tag values with their counts, those
// the TagCounter holds included; see core.IssueStore.
func (db *DB) FindIssueTags(ctx context.Context, issueID int64) ([]*core.IssueTag, error) {
	return sqlq.FindIssueTags(ctx, conn{db.rdb}, issueID, db.tags.Pending(issueID))
}
