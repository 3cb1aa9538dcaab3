package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

type projectRow struct {
	*core.Project
	Open  int64
	Hours []core.Bucket
	DSN   string
}

func (u *UI) handleProjects(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ps, err := u.svc.FindProjects(ctx)
	if err != nil {
		return u.fail(c, err)
	}
	rows := make([]projectRow, 0, len(ps))
	for _, p := range ps {
		open, err := u.svc.CountOpenIssues(ctx, p.ID)
		if err != nil {
			return u.fail(c, err)
		}
		st, err := u.svc.FindProjectStats(ctx, core.StatsFilter{ProjectID: p.ID})
		if err != nil {
			return u.fail(c, err)
		}
		row := projectRow{Project: p, Open: open, Hours: storedPerHour(st, u.opts.Now())}
		if len(p.Keys) > 0 {
			row.DSN = u.dsn(p.Keys[0])
		}
		rows = append(rows, row)
	}
	return u.render(c, fiber.StatusOK, "projects", "Projects", rows)
}

// storedPerHour turns a project's hourly stats into 24 buckets of stored
// events ending with the current hour.
func storedPerHour(st *service.ProjectStats, now time.Time) []core.Bucket {
	h0 := now.UTC().Truncate(time.Hour).Add(-23 * time.Hour)
	out := make([]core.Bucket, 24)
	for i := range out {
		out[i].Start = h0.Add(time.Duration(i) * time.Hour)
	}
	for _, h := range st.Hours {
		if i := int(h.Hour.Sub(h0) / time.Hour); !h.Hour.Before(h0) && i < 24 {
			out[i].Count += h.Stored
		}
	}
	return out
}

func (u *UI) handleCreateProject(c *fiber.Ctx) error {
	f, _ := formOf(c)
	p, err := u.svc.CreateProject(c.UserContext(), service.CreateProjectInput{Name: f.Get("name")})
	if err != nil {
		if code := core.ErrorCode(err); code == core.EINVALID || code == core.ECONFLICT {
			return c.Redirect("/projects?notice="+urlEscape(core.ErrorMessage(err)), fiber.StatusSeeOther)
		}
		return u.fail(c, err)
	}
	return c.Redirect("/projects?notice="+urlEscape("Created project "+p.Name+"."), fiber.StatusSeeOther)
}
