package web

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
)

// RuleView is one grouping rule in force, as configured.
type RuleView struct {
	Name, When, Title string
	Fingerprint       []string
}

// Rules is what the grouping rules page needs of the binary (which owns
// the rule engine): the rules in force, read-only, and a preview that
// replays a project's stored events through pasted rules.
type Rules interface {
	// Current returns the configured rules, in order, and the files more
	// rules come from.
	Current() (rules []RuleView, files []string)
	// Preview replays up to perIssue newest events of each issue of the
	// project through the current rules and through text (a grouping
	// section in YAML, as in config.yaml) and reports, as text, which
	// issues would split and which would merge. EINVALID for rules that
	// do not compile; nothing is changed.
	Preview(ctx context.Context, projectID int64, text string) (string, error)
}

type rulesData struct {
	Rules    []RuleView
	Files    []string
	Projects []*core.Project
	Project  int64
	Text     string
	Report   string
	Error    string
}

func (u *UI) rulesData(c *fiber.Ctx) (*rulesData, error) {
	d := &rulesData{}
	if u.opts.Rules != nil {
		d.Rules, d.Files = u.opts.Rules.Current()
	}
	ps, err := u.svc.FindProjects(c.UserContext())
	if err != nil {
		return nil, err
	}
	d.Projects = ps
	return d, nil
}

func (u *UI) handleRules(c *fiber.Ctx) error {
	d, err := u.rulesData(c)
	if err != nil {
		return u.fail(c, err)
	}
	return u.render(c, fiber.StatusOK, "rules", "Grouping rules", d)
}

// handlePreview shows which stored issues the pasted rules would split or
// merge (`periscope rules diff` in the browser).
func (u *UI) handlePreview(c *fiber.Ctx) error {
	d, err := u.rulesData(c)
	if err != nil {
		return u.fail(c, err)
	}
	f, _ := formOf(c)
	d.Text = f.Get("rules")
	d.Project, _ = strconv.ParseInt(f.Get("project"), 10, 64)
	status := fiber.StatusOK
	switch {
	case u.opts.Rules == nil:
		d.Error, status = "The rules preview is not available on this server.", fiber.StatusServiceUnavailable
	case d.Project <= 0:
		d.Error, status = "Choose a project whose events to replay.", fiber.StatusBadRequest
	default:
		d.Report, err = u.opts.Rules.Preview(c.UserContext(), d.Project, d.Text)
		if code := core.ErrorCode(err); code == core.EINVALID || code == core.ENOTFOUND {
			d.Error, status = core.ErrorMessage(err), fiber.StatusBadRequest
		} else if err != nil {
			return u.fail(c, err)
		}
	}
	return u.render(c, status, "rules", "Grouping rules", d)
}
