package http

import (
	"bytes"
	"encoding/json"
	"mime"
	"strconv"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

func (s *Server) handleListEvents(c *fiber.Ctx) error {
	if err := onlyQuery(c, "limit", "cursor"); err != nil {
		return s.adminError(c, err)
	}
	limit, err := pageLimit(c)
	if err != nil {
		return s.adminError(c, err)
	}
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	evs, next, err := s.svc().FindEvents(c.UserContext(), core.EventFilter{IssueID: id, Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"events": evs, "next_cursor": next})
}

// handleLatestEvent answers the newest event of an issue in full, as
// handleGetEvent does.
func (s *Server) handleLatestEvent(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	ev, err := s.svc().FindLatestEvent(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(withData(ev))
}

// findEvent returns the event named by the :id and :event_id path
// parameters (32 hex, dashes allowed), or ENOTFOUND.
func (s *Server) findEvent(c *fiber.Ctx) (*core.Event, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return s.svc().FindEvent(c.UserContext(), id, eventIDParam(c))
}

// eventIDParam reads :event_id as stored: 32 lowercase hex, without the
// dashes of a UUID.
func eventIDParam(c *fiber.Ctx) string {
	eventID := c.Params("event_id")
	if len(eventID) == 36 { // dashed UUID
		eventID = stripDashes(eventID)
	}
	return eventID
}

func stripDashes(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func (s *Server) handleGetEvent(c *fiber.Ctx) error {
	ev, err := s.findEvent(c)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(withData(ev))
}

// withData fills ev.Data, the normalized event, when the store has none
// (the pipeline keeps only the payload, to spend nothing on it per event):
// the payload is normalized again, with the stored event id and times, so
// the answer is what processing saw.
//
// The payload is stored as sent; a JSON answer must be valid UTF-8, so
// invalid bytes of the payload are shown as U+FFFD.
func withData(ev *core.Event) *core.Event {
	if !utf8.Valid(ev.Payload) {
		ev.Payload = bytes.ToValidUTF8(ev.Payload, []byte("\uFFFD"))
	}
	if len(ev.Data) > 0 || len(ev.Payload) == 0 {
		return ev
	}
	data, err := sentry.Normalize(ev.Payload, sentry.NormalizeOptions{Received: ev.Received, EventID: ev.EventID, ForceEventID: true})
	if err != nil {
		return ev
	}
	data.Timestamp, data.Received = ev.Timestamp, ev.Received
	if b, err := json.Marshal(data); err == nil {
		ev.Data = b
	}
	return ev
}

func (s *Server) handleGetGrouping(c *fiber.Ctx) error {
	ev, err := s.findEvent(c)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{
		"event_id":   ev.EventID,
		"issue_id":   ev.IssueID,
		"decided_by": ev.Grouping.DecidedBy,
		"name":       ev.Grouping.Name,
		"config":     ev.Grouping.Config,
		"hash":       ev.Grouping.Hash,
		"components": ev.Grouping.Components,
	})
}

// handleGetAttachment sends one attachment's bytes as a download, never
// inline: its content type comes from the SDK and must not make the
// browser render it.
func (s *Server) handleGetAttachment(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	aid, err := idParam(c, "attachment_id")
	if err != nil {
		return s.adminError(c, err)
	}
	a, err := s.svc().FindAttachment(c.UserContext(), id, eventIDParam(c), aid)
	if err != nil {
		return s.adminError(c, err)
	}
	ct := a.ContentType
	if _, _, err := mime.ParseMediaType(ct); ct == "" || err != nil {
		ct = "application/octet-stream"
	}
	name := a.Filename
	if name == "" {
		name = "attachment-" + strconv.FormatInt(a.ID, 10)
	}
	c.Set(fiber.HeaderContentType, ct)
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" {
		disp = "attachment"
	}
	c.Set(fiber.HeaderContentDisposition, disp)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(a.Data)
}
