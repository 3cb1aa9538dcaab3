package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
)

// issueFromParam finds the issue of the :id parameter.
func (u *UI) issueFromParam(c *fiber.Ctx) (*core.Issue, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return nil, core.Errorf(core.ENOTFOUND, "no such issue")
	}
	return u.svc.FindIssue(c.UserContext(), int64(id))
}

func issueURL(id int64) string { return "/issues/" + strconv.FormatInt(id, 10) }

// handleStatus resolves, unresolves or ignores an issue (forever, until a
// time, or until N more events) and records who did it.
func (u *UI) handleStatus(c *fiber.Ctx) error {
	ctx := c.UserContext()
	iss, err := u.issueFromParam(c)
	if err != nil {
		return u.fail(c, err)
	}
	f, _ := formOf(c)
	var upd core.IssueUpdate
	var detail string
	action := f.Get("action")
	switch action {
	case "resolve":
		s := core.StatusResolved
		upd.Status = &s
	case "unresolve":
		s := core.StatusUnresolved
		upd.Status = &s
	case "ignore":
		s := core.StatusIgnored
		upd.Status = &s
		switch f.Get("ignore") {
		case "until":
			t, err := time.Parse("2006-01-02T15:04", f.Get("until"))
			if err != nil {
				return u.renderError(c, fiber.StatusBadRequest, "Give the date and time until which to ignore the issue.")
			}
			upd.IgnoreUntil = &t
			detail = "until " + t.UTC().Format("2006-01-02 15:04 UTC")
		case "count":
			n, err := strconv.ParseInt(strings.TrimSpace(f.Get("count")), 10, 64)
			if err != nil {
				return u.renderError(c, fiber.StatusBadRequest, "Give how many more events to ignore.")
			}
			upd.IgnoreCount = &n
			detail = "until " + strconv.FormatInt(n, 10) + " more events"
		default:
			detail = "forever"
		}
	default:
		return u.renderError(c, fiber.StatusBadRequest, "Unknown action.")
	}
	if _, err := u.svc.UpdateIssue(ctx, iss.ID, upd); err != nil {
		return u.fail(c, err)
	}
	if err := u.svc.RecordActivity(ctx, iss.ID, viewerOf(c).User.Email, action, detail); err != nil {
		return u.fail(c, err)
	}
	return c.Redirect(issueURL(iss.ID), fiber.StatusSeeOther)
}

// merge merges others into into and records it on into.
func (u *UI) merge(c *fiber.Ctx, into int64, others []int64, actor string) error {
	ctx := c.UserContext()
	if _, err := u.svc.MergeIssues(ctx, into, others); err != nil {
		return err
	}
	var names []string
	for _, id := range others {
		names = append(names, "#"+strconv.FormatInt(id, 10))
	}
	return u.svc.RecordActivity(ctx, into, actor, "merge", "merged "+strings.Join(names, ", ")+" into this issue")
}

// handleMerge merges the issues listed in the form (ids separated by
// spaces or commas, # allowed) into this one.
func (u *UI) handleMerge(c *fiber.Ctx) error {
	iss, err := u.issueFromParam(c)
	if err != nil {
		return u.fail(c, err)
	}
	f, _ := formOf(c)
	var others []int64
	for _, s := range strings.FieldsFunc(f.Get("ids"), func(r rune) bool { return r == ',' || r == ' ' || r == '#' }) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return u.renderError(c, fiber.StatusBadRequest, "Issue ids are numbers, like 12, 15.")
		}
		others = append(others, id)
	}
	if err := u.merge(c, iss.ID, others, viewerOf(c).User.Email); err != nil {
		return u.fail(c, err)
	}
	return c.Redirect(issueURL(iss.ID), fiber.StatusSeeOther)
}

func (u *UI) handleDelete(c *fiber.Ctx) error {
	iss, err := u.issueFromParam(c)
	if err != nil {
		return u.fail(c, err)
	}
	if err := u.svc.DeleteIssue(c.UserContext(), iss.ID); err != nil {
		return u.fail(c, err)
	}
	return c.Redirect("/projects/"+strconv.FormatInt(iss.ProjectID, 10)+"/issues?notice="+urlEscape("Deleted issue #"+strconv.FormatInt(iss.ID, 10)+"."), fiber.StatusSeeOther)
}

// handleEventJSON answers the event as the SDK sent it, to view or (with
// ?download=1) to save.
func (u *UI) handleEventJSON(c *fiber.Ctx) error {
	iss, err := u.issueFromParam(c)
	if err != nil {
		return u.fail(c, err)
	}
	ev, err := u.svc.FindEvent(c.UserContext(), iss.ProjectID, c.Params("event_id"))
	if err == nil && ev.IssueID != iss.ID {
		err = core.Errorf(core.ENOTFOUND, "event not in this issue")
	}
	if err != nil {
		return u.fail(c, err)
	}
	c.Type("json", "utf-8")
	if c.Query("download") != "" {
		c.Attachment("event-" + ev.EventID + ".json")
	}
	body := ev.Payload
	if len(body) == 0 {
		body = ev.Data
	}
	return c.Send(body)
}

// handleAttachment sends an attachment as a download, never inline.
func (u *UI) handleAttachment(c *fiber.Ctx) error {
	iss, err := u.issueFromParam(c)
	if err != nil {
		return u.fail(c, err)
	}
	aid, err := strconv.ParseInt(c.Params("attachment_id"), 10, 64)
	if err != nil {
		return u.renderError(c, fiber.StatusNotFound, "No such attachment.")
	}
	a, err := u.svc.FindAttachment(c.UserContext(), iss.ProjectID, c.Params("event_id"), aid)
	if err != nil {
		return u.fail(c, err)
	}
	name := a.Filename
	if name == "" {
		name = "attachment-" + strconv.FormatInt(a.ID, 10)
	}
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	c.Attachment(name)
	c.Set(fiber.HeaderContentType, "application/octet-stream")
	return c.Send(a.Data)
}
