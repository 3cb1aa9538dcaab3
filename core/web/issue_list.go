package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
)

// issueListData is the issue list page: the project, the filters as the
// URL holds them, one page of issues with their 24-hour trends, and the
// link to the next page.
type issueListData struct {
	Project                 *core.Project
	Filter                  listFilter
	Issues                  []issueRow
	Next                    string
	Statuses, Levels, Sorts []string
}

type issueRow struct {
	*core.Issue
	Hours []core.Bucket
}

// listFilter is the query string of the list: status (default
// unresolved; "all" for any), level, environment, release, q, sort and
// cursor, as the admin API names them.
type listFilter struct {
	Status, Level, Environment, Release, Query, Sort, Cursor string
}

func parseListFilter(c *fiber.Ctx) listFilter {
	f := listFilter{Status: c.Query("status", core.StatusUnresolved), Level: c.Query("level"), Environment: c.Query("environment"),
		Release: c.Query("release"), Query: c.Query("q"), Sort: c.Query("sort"), Cursor: c.Query("cursor")}
	return f
}

// url is the list's address with these filters and cursor.
func (f listFilter) url(projectID int64, cursor string) string {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "level": f.Level, "environment": f.Environment,
		"release": f.Release, "q": f.Query, "sort": f.Sort, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return "/projects/" + strconv.FormatInt(projectID, 10) + "/issues?" + q.Encode()
}

func (u *UI) handleIssues(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pid, err := c.ParamsInt("id")
	if err != nil || pid <= 0 {
		return u.renderError(c, fiber.StatusNotFound, "No such project.")
	}
	p, err := u.svc.FindProject(ctx, int64(pid))
	if err != nil {
		return u.fail(c, err)
	}
	lf := parseListFilter(c)
	status := lf.Status
	if status == "all" {
		status = ""
	}
	issues, next, err := u.svc.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Status: status, Level: lf.Level,
		Environment: lf.Environment, Release: lf.Release, Query: lf.Query, Sort: lf.Sort, Cursor: lf.Cursor, Limit: 50})
	if err != nil {
		return u.fail(c, err)
	}
	ids := make([]int64, len(issues))
	for i, is := range issues {
		ids[i] = is.ID
	}
	trends, err := u.svc.FindIssueTrends(ctx, ids)
	if err != nil {
		return u.fail(c, err)
	}
	d := issueListData{Project: p, Filter: lf,
		Statuses: []string{core.StatusUnresolved, core.StatusResolved, core.StatusIgnored, "all"},
		Levels:   []string{"", core.LevelFatal, core.LevelError, core.LevelWarning, core.LevelInfo, core.LevelDebug},
		Sorts:    []string{"last_seen", "first_seen", "count"}}
	for _, is := range issues {
		d.Issues = append(d.Issues, issueRow{Issue: is, Hours: trends[is.ID]})
	}
	if next != "" {
		d.Next = lf.url(p.ID, next)
	}
	return u.render(c, fiber.StatusOK, "issues", p.Name+": issues", d)
}

// handleBulk resolves, ignores or merges the selected issues of a list.
func (u *UI) handleBulk(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pid, _ := c.ParamsInt("id")
	f, _ := formOf(c)
	var ids []int64
	for _, s := range f["ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return u.renderError(c, fiber.StatusBadRequest, "Bad issue id.")
		}
		is, err := u.svc.FindIssue(ctx, id)
		if err != nil {
			return u.fail(c, err)
		}
		if is.ProjectID != int64(pid) {
			return u.renderError(c, fiber.StatusBadRequest, "Issue #"+s+" is not in this project.")
		}
		ids = append(ids, id)
	}
	back := f.Get("back")
	if back == "" || back[0] != '/' || (len(back) > 1 && back[1] == '/') {
		back = "/projects/" + strconv.Itoa(pid) + "/issues"
	}
	notice := func(msg string) error {
		sep := "?"
		if u, err := url.Parse(back); err == nil && u.RawQuery != "" {
			sep = "&"
		}
		return c.Redirect(back+sep+"notice="+urlEscape(msg), fiber.StatusSeeOther)
	}
	if len(ids) == 0 {
		return notice("Select issues first.")
	}
	actor := viewerOf(c).User.Email
	switch action := f.Get("action"); action {
	case "resolve", "ignore":
		status := core.StatusResolved
		if action == "ignore" {
			status = core.StatusIgnored
		}
		for _, id := range ids {
			if _, err := u.svc.UpdateIssue(ctx, id, core.IssueUpdate{Status: &status}); err != nil {
				return u.fail(c, err)
			}
			if err := u.svc.RecordActivity(ctx, id, actor, action, ""); err != nil {
				return u.fail(c, err)
			}
		}
		return notice(strconv.Itoa(len(ids)) + " issue(s) " + status + ".")
	case "merge":
		if len(ids) < 2 {
			return notice("Select at least two issues to merge.")
		}
		if err := u.merge(c, ids[0], ids[1:], actor); err != nil {
			return u.fail(c, err)
		}
		return notice("Merged " + strconv.Itoa(len(ids)) + " issues into #" + strconv.FormatInt(ids[0], 10) + ".")
	default:
		return u.renderError(c, fiber.StatusBadRequest, "Unknown action.")
	}
}
