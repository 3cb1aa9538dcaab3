package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// tagCountSQL adds to one issue_tags row and returns the value it counted
// under: a value the issue does not have yet becomes the key's ” row once
// the issue has MaxTagValues rows of the key. (The SELECT needs its WHERE
// for SQLite to read ON CONFLICT.)
var tagCountSQL = `INSERT INTO issue_tags (issue_id, key, value, project_id, count, last_seen)
	SELECT ?1, ?2, CASE WHEN EXISTS (SELECT 1 FROM issue_tags WHERE issue_id = ?1 AND key = ?2 AND value = ?3)
		OR (SELECT count(*) FROM issue_tags WHERE issue_id = ?1 AND key = ?2) < ` + strconv.Itoa(dbutil.MaxTagValues) + `
		THEN ?3 ELSE '' END, ?4, ?5, ?6 WHERE true
	ON CONFLICT (issue_id, key, value) DO UPDATE SET count = count + excluded.count,
		last_seen = max(last_seen, excluded.last_seen)
	RETURNING value`

// tagAddSQL adds counts the TagCounter held to a row it knows.
const tagAddSQL = `UPDATE issue_tags SET count = count + ?, last_seen = max(last_seen, ?)
	WHERE issue_id = ? AND key = ? AND value = ?`

// issueTextSQL writes an issue's search text (triggers index it).
const issueTextSQL = `INSERT INTO issue_text (issue_id, text) VALUES (?, ?)
	ON CONFLICT (issue_id) DO UPDATE SET text = excluded.text`

// writeSearch keeps the search tables of the batch's issues: the tag
// values the TagCounter does not know yet are upserted with their counts,
// those it knows are counted in memory, and the counts it held long enough
// are written; issues created or retitled get their search text (texts).
func (b *batchWriter) writeSearch(ctx context.Context, ws *writeStmts, issueIDs []int64, stored []bool, texts []dbutil.IssueText) error {
	counter := b.db.tags
	insert, later := counter.Split(dbutil.BatchTags(b.ps, issueIDs, stored))
	kept := make([]string, len(insert))
	if len(insert) > 0 {
		tagCount := b.st(ws.tagCount)
		for i, t := range insert {
			if err := tagCount.QueryRowContext(ctx, t.IssueID, t.Key, t.Value, t.ProjectID, t.Count, us(t.LastSeen)).Scan(&kept[i]); err != nil {
				return fmt.Errorf("sqlite: count issue tags: %w", err)
			}
		}
	}
	flush := counter.Due(b.now, false)
	if err := addTags(ctx, b.st(ws.tagAdd), flush); err != nil {
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
	now := b.now
	b.committed = func() {
		counter.Learn(insert, kept)
		counter.Add(later, now)
		if flush != nil {
			counter.Flushed(flush, now)
		}
	}
	return nil
}

func addTags(ctx context.Context, st *sql.Stmt, rows []dbutil.TagCount) error {
	for _, t := range rows {
		if _, err := st.ExecContext(ctx, t.Count, us(t.LastSeen), t.IssueID, t.Key, t.Value); err != nil {
			return fmt.Errorf("sqlite: add issue tag counts: %w", err)
		}
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
