package sqlq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
	"github.com/periscope-hq/periscope/core/search"
)

// searchConds parses q (core.IssueFilter.Query, Sentry's search syntax)
// and adds its terms to w. A query that does not parse is EINVALID naming
// "query" and quoting the token.
func searchConds(ctx context.Context, c Conn, w *Where, projectID int64, q string, now time.Time) error {
	parsed, err := search.Parse(q, now)
	var se *search.Error
	if errors.As(err, &se) {
		return core.FieldErrorf("query", "%s", se.Error())
	} else if err != nil {
		return err
	}
	for _, t := range parsed.Terms {
		var cond string
		var args []any
		switch t.Field {
		case search.Text:
			cond, args = textCond(c.Dialect(), t.Values[0])
		case search.Status:
			cond, args = inCond("status", t.Values)
		case search.Level:
			cond, args = inCond("level", t.Values)
		case search.Release, search.Environment, search.Tag:
			if t.Field == search.Tag {
				if err := tagKnown(ctx, c, projectID, t); err != nil {
					return err
				}
			}
			cond, args = tagCond(projectID, t)
		case search.FirstSeen:
			cond, args = "first_seen "+t.Op.String()+" ?", []any{t.Time}
		case search.LastSeen:
			cond, args = "last_seen "+t.Op.String()+" ?", []any{t.Time}
		case search.TimesSeen:
			cond, args = "count "+t.Op.String()+" ?", []any{t.Num}
		default:
			return fmt.Errorf("search: unhandled field %d", t.Field)
		}
		if t.Not {
			cond = "NOT " + cond
		}
		w.Add(cond, args...)
	}
	return nil
}

// inCond is "(col = ?)" or "(col IN (?, ...))".
func inCond(col string, vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	if len(vals) == 1 {
		return "(" + col + " = ?)", args
	}
	return "(" + col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + "))", args
}

// tagCond: an event of the issue carried the tag t.Key with one of
// t.Values (issue_tags). A positive term drives the query from the
// (project_id, key, value) index; a negated one (EXISTS, which the caller
// negates) probes each issue's rows.
func tagCond(projectID int64, t search.Term) (string, []any) {
	in, vals := inCond("value", t.Values)
	if t.Not { // searchConds puts NOT before it
		return "EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = issues.id AND t.key = ? AND " + in + ")",
			append([]any{t.Key}, vals...)
	}
	if projectID == 0 {
		return "id IN (SELECT issue_id FROM issue_tags WHERE key = ? AND " + in + ")", append([]any{t.Key}, vals...)
	}
	return "id IN (SELECT issue_id FROM issue_tags WHERE project_id = ? AND key = ? AND " + in + ")",
		append([]any{projectID, t.Key}, vals...)
}

// tagKnown is EINVALID naming the token unless some issue of the project
// (of any project for projectID 0) has the tag key: a key search does not
// know and no event carried is a typo, not a search for nothing.
func tagKnown(ctx context.Context, c Conn, projectID int64, t search.Term) error {
	q, args := `SELECT 1 FROM issue_tags WHERE project_id = ? AND key = ? LIMIT 1`, []any{projectID, t.Key}
	if projectID == 0 {
		q, args = `SELECT 1 FROM issue_tags WHERE key = ? LIMIT 1`, []any{t.Key}
	}
	var one int
	err := c.QueryRow(ctx, q, args...).Scan(&one)
	if IsNoRows(err) {
		return core.FieldErrorf("query", "%q: unknown search key %q (not a search key, and no issue has such a tag)", t.Token, t.Key)
	} else if err != nil {
		return fmt.Errorf("%s: find tag key: %w", c.Dialect().Name, err)
	}
	return nil
}

// textCond matches s anywhere in the issue's search text (title, culprit
// and message; issue_text), ignoring case, through the dialect's trigram
// index, which serves LIKE '%s%' when s has three characters in a row
// that are not wildcards (shorter text is a scan of issue_text). SQLite's
// FTS5 index takes no ESCAPE, so its pattern turns % and _ into _ (finding
// a superset) and instr checks the text exactly.
func textCond(d Dialect, s string) (string, []any) {
	if !d.Numbered {
		pat := "%" + strings.NewReplacer("%", "_", "_", "_").Replace(s) + "%"
		return `id IN (SELECT rowid FROM issue_text_fts WHERE text LIKE ? AND instr(lower(text), lower(?)) > 0)`,
			[]any{pat, s}
	}
	return `id IN (SELECT issue_id FROM issue_text WHERE text ` + d.ILike + ` ? ESCAPE '\')`, []any{dbutil.LikePattern(s)}
}

// FindIssueTags returns the issue's issue_tags rows plus pending counts
// not written yet (dbutil.TagCounter.Pending), ordered by key, count
// descending, value (core.IssueStore.FindIssueTags).
func FindIssueTags(ctx context.Context, c Conn, issueID int64, pending map[[2]string]int64) ([]*core.IssueTag, error) {
	if _, err := FindIssue(ctx, c, issueID, ""); err != nil {
		return nil, err
	}
	tags, err := Collect(ctx, c, `SELECT key, value, count, last_seen FROM issue_tags WHERE issue_id = ?`, []any{issueID},
		func(s Scanner) (*core.IssueTag, error) {
			var t core.IssueTag
			err := s.Scan(&t.Key, &t.Value, &t.Count, &t.LastSeen)
			return &t, err
		})
	if err != nil {
		return nil, fmt.Errorf("%s: find issue tags: %w", c.Dialect().Name, err)
	}
	for _, t := range tags {
		t.Count += pending[[2]string{t.Key, t.Value}]
	}
	slices.SortFunc(tags, func(a, b *core.IssueTag) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	})
	return tags, nil
}
