package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/internal/sqlq"
)

// tagCountSQL upserts issue_tags rows the TagCounter does not know and
// returns the rows it counted: a value the issue does not have yet becomes
// the key's ” row once the issue has MaxTagValues rows of the key (rows
// of one statement do not see each other, so a batch may pass the bound by
// its own new values).
var tagCountSQL = `INSERT INTO issue_tags (issue_id, key, value, project_id, count, last_seen)
	SELECT issue_id, key, v, project_id, sum(count), max(last_seen) FROM (
		SELECT u.issue_id, u.key, u.project_id, u.count, u.last_seen,
			CASE WHEN EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = u.issue_id AND t.key = u.key AND t.value = u.value)
				OR (SELECT count(*) FROM issue_tags t WHERE t.issue_id = u.issue_id AND t.key = u.key) < ` + strconv.Itoa(dbutil.MaxTagValues) + `
			THEN u.value ELSE '' END AS v
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[])
			AS u (issue_id, key, value, project_id, count, last_seen)) s
	GROUP BY issue_id, key, v, project_id ORDER BY issue_id, key, v
	ON CONFLICT (issue_id, key, value) DO UPDATE SET count = issue_tags.count + excluded.count,
		last_seen = greatest(issue_tags.last_seen, excluded.last_seen)
	RETURNING issue_id, key, value`

// tagAddSQL adds counts the TagCounter held to rows it knows.
const tagAddSQL = `UPDATE issue_tags t SET count = t.count + u.count, last_seen = greatest(t.last_seen, u.last_seen)
	FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) AS u (issue_id, key, value, count, last_seen)
	WHERE t.issue_id = u.issue_id AND t.key = u.key AND t.value = u.value`

type tagCols struct {
	issue, project, count []int64
	key, value            []string
	last                  []time.Time
}

func columns(rows []dbutil.TagCount) tagCols {
	var c tagCols
	for _, t := range rows {
		c.issue, c.project, c.count = append(c.issue, t.IssueID), append(c.project, t.ProjectID), append(c.count, t.Count)
		c.key, c.value, c.last = append(c.key, t.Key), append(c.value, t.Value), append(c.last, t.LastSeen)
	}
	return c
}

// queueSearch queues the writes of the search tables for the batch: the
// tag values the TagCounter does not know yet are upserted with their
// counts, those it knows are counted in memory, and the counts it held
// long enough are written; issues created or retitled get their search
// text. The returned function reads the queued statements' results, in
// order after the ones queued before.
func (b *batchWriter) queueSearch(batch *pgx.Batch, texts []dbutil.IssueText) func(pgx.BatchResults) error {
	issueIDs, stored := make([]int64, len(b.results)), make([]bool, len(b.results))
	for i, r := range b.results {
		issueIDs[i], stored[i] = r.IssueID, !r.Duplicate
	}
	plan := b.tags.Plan(dbutil.BatchTags(b.ps, issueIDs, stored), b.now)
	if len(plan.Insert) > 0 {
		c := columns(plan.Insert)
		batch.Queue(tagCountSQL, c.issue, c.key, c.value, c.project, c.count, c.last)
	}
	if len(plan.Flush) > 0 {
		c := columns(plan.Flush)
		batch.Queue(tagAddSQL, c.issue, c.key, c.value, c.count, c.last)
	}
	if len(texts) > 0 {
		ids, text := make([]int64, len(texts)), make([]string, len(texts))
		for i, t := range texts {
			ids[i], text[i] = t.IssueID, t.Text
		}
		batch.Queue(`INSERT INTO issue_text (issue_id, text) SELECT * FROM unnest($1::bigint[], $2::text[]) ORDER BY 1
			ON CONFLICT (issue_id) DO UPDATE SET text = excluded.text`, ids, text)
	}
	return func(br pgx.BatchResults) error {
		if len(plan.Insert) > 0 {
			rows, err := br.Query()
			if err != nil {
				return fmt.Errorf("postgres: count issue tags: %w", err)
			}
			var issue int64
			var key, value string
			if _, err := pgx.ForEachRow(rows, []any{&issue, &key, &value}, func() error {
				plan.Counted(issue, key, value)
				return nil
			}); err != nil {
				return fmt.Errorf("postgres: count issue tags: %w", err)
			}
		}
		if len(plan.Flush) > 0 {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("postgres: add issue tag counts: %w", err)
			}
		}
		if len(texts) > 0 {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("postgres: write issue text: %w", err)
			}
		}
		b.committed = func() { b.tags.Commit(plan) }
		return nil
	}
}

// flushTags writes every count the TagCounter holds (at Close).
func (db *DB) flushTags() {
	rows := db.tags.Due(time.Time{}, true)
	if len(rows) == 0 {
		return
	}
	c := columns(rows)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.pool.Exec(ctx, tagAddSQL, c.issue, c.key, c.value, c.count, c.last); err == nil {
		db.tags.Flushed(rows, time.Time{})
	}
}

// FindIssueTags returns the issue's tag values with their counts, those
// the TagCounter holds included; see core.IssueStore.
func (db *DB) FindIssueTags(ctx context.Context, issueID int64) ([]*core.IssueTag, error) {
	return sqlq.FindIssueTags(ctx, conn{db.pool}, issueID, db.tags.Pending(issueID))
}
