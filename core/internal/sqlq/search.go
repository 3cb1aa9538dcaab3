package sqlq

import (
	"context"
	"errors"
	"fmt"
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
		case search.Release:
			cond, args = inCond("release", t.Values)
		case search.Environment:
			cond, args = inCond("environment", t.Values)
		case search.FirstSeen:
			cond, args = "first_seen "+t.Op.String()+" ?", []any{t.Time}
		case search.LastSeen:
			cond, args = "last_seen "+t.Op.String()+" ?", []any{t.Time}
		case search.TimesSeen:
			cond, args = "count "+t.Op.String()+" ?", []any{t.Num}
		case search.Tag:
			return core.FieldErrorf("query", "%q: unknown search key %q", t.Token, t.Key)
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

// textCond matches s anywhere in the title or culprit, ignoring
// ASCII case.
func textCond(d Dialect, s string) (string, []any) {
	pat := dbutil.LikePattern(s)
	return `(title ` + d.ILike + ` ? ESCAPE '\' OR culprit ` + d.ILike + ` ? ESCAPE '\')`, []any{pat, pat}
}
