package sqlq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
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
		var err error
		switch t.Field {
		case search.Text:
			if cond, args, err = textCond(ctx, c, t); err != nil {
				return err
			}
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
			if cond, args, err = tagCond(ctx, c, projectID, t); err != nil {
				return err
			}
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

// probeLimit decides how a positive tag term finds its issues. A term
// matching at most this many issues is a list of their ids, which the
// database looks up and sorts: cheap for a rare value, but a common one (a
// quarter of 100,000 issues) costs tens of milliseconds to sort. A term
// matching more is checked issue by issue while the database walks the
// issues in the page's sort order (EXISTS), which fills a page of 100
// after about 100 × issues / matches rows: cheap for a common value, a walk
// of every issue for a rare one. At 100,000 issues, both ways cost a few
// milliseconds at this bound. Free text uses it too (textProbe).
var probeLimit atomic.Int64

func init() { probeLimit.Store(5000) }

// textProbe is the bound of a free text term. A tenth of probeLimit made
// common words faster on SQLite (FTS5 reads 500 matches in 1 to 4 ms, 5,000
// in 90 ms) but text matching about 1 % of 100,000 issues far slower (243 ms
// on SQLite, 1.3 s on Postgres, against 35 and 19 ms), so text uses the
// same bound as tags until both are measured on a quiet machine.
func textProbe() int64 { return probeLimit.Load() }

// SetProbeLimit makes tag terms matching more than n issues (text terms:
// n/10) common, n = 0 making every term that matches common, and returns
// a function that restores the bound, for tests of both ways; searches
// running meanwhile stay correct.
func SetProbeLimit(n int64) (restore func()) {
	old := probeLimit.Swap(n)
	return func() { probeLimit.Store(old) }
}

// candidates runs q (which selects issue ids) with LIMIT limit+1 and
// returns the ids, or common true when there are more than limit.
func candidates(ctx context.Context, c Conn, limit int64, q string, args ...any) (ids []int64, common bool, err error) {
	ids, err = Collect(ctx, c, q+" LIMIT ?", append(args, limit+1), func(s Scanner) (int64, error) {
		var id int64
		err := s.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("%s: find search candidates: %w", c.Dialect().Name, err)
	}
	return ids, int64(len(ids)) > limit, nil
}

// idsCond is "id IN (ids...)", or a condition no issue meets.
func idsCond(ids []int64) (string, []any) {
	if len(ids) == 0 {
		return "(1 = 0)", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + "))", args
}

// tagCond: an event of the issue carried the tag t.Key with one of
// t.Values (issue_tags). A negated term (which the caller negates) and a
// common value probe each issue's rows (EXISTS); a rare one is the list of
// its issues, from the (project_id, key, value) index (probeLimit).
func tagCond(ctx context.Context, c Conn, projectID int64, t search.Term) (string, []any, error) {
	in, vals := inCond("value", t.Values)
	exists := "EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = issues.id AND t.key = ? AND " + in + ")"
	if t.Not { // searchConds puts NOT before it
		return exists, append([]any{t.Key}, vals...), nil
	}
	q, args := "SELECT issue_id FROM issue_tags WHERE project_id = ? AND key = ? AND "+in, append([]any{projectID, t.Key}, vals...)
	if projectID == 0 {
		q, args = "SELECT issue_id FROM issue_tags WHERE key = ? AND "+in, append([]any{t.Key}, vals...)
	}
	ids, common, err := candidates(ctx, c, probeLimit.Load(), q, args...)
	if err != nil || common {
		return exists, append([]any{t.Key}, vals...), err
	}
	cond, args := idsCond(ids)
	return cond, args, nil
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

// textCond matches t's text anywhere in the issue's search text (title,
// culprit and message; issue_text), ignoring case. Its candidates come from
// the dialect's trigram index, which serves LIKE '%s%' when s has three
// characters in a row that are not wildcards (shorter text is a scan of
// issue_text); SQLite's FTS5 index takes no ESCAPE, so its pattern turns %
// and _ into _ (finding a superset) and instr checks the text exactly. A
// rare text is the list of its issues; a common one (more than textProbe
// issues) is checked issue by issue in the sort order, and so is a negated
// one.
func textCond(ctx context.Context, c Conn, t search.Term) (string, []any, error) {
	s := t.Values[0]
	q, args := `SELECT issue_id FROM issue_text WHERE text `+c.Dialect().ILike+` ? ESCAPE '\'`, []any{dbutil.LikePattern(s)}
	exists, eargs := `EXISTS (SELECT 1 FROM issue_text x WHERE x.issue_id = issues.id AND x.text `+c.Dialect().ILike+` ? ESCAPE '\')`, args
	if !c.Dialect().Numbered {
		pat := "%" + strings.NewReplacer("%", "_", "_", "_").Replace(s) + "%"
		q, args = `SELECT rowid FROM issue_text_fts WHERE text LIKE ? AND instr(lower(text), lower(?)) > 0`, []any{pat, s}
		exists, eargs = `EXISTS (SELECT 1 FROM issue_text x WHERE x.issue_id = issues.id AND instr(lower(x.text), lower(?)) > 0)`, []any{s}
	}
	if t.Not {
		return exists, eargs, nil
	}
	ids, common, err := candidates(ctx, c, textProbe(), q, args...)
	if err != nil || common {
		return exists, eargs, err
	}
	cond, args := idsCond(ids)
	return cond, args, nil
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
