package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// handleMinidump takes a crash report upload: a multipart form with the
// file upload_file_minidump, or a raw minidump body. It answers 200 with
// the event id as dashed UUID text, as Relay does. Over quota it answers
// 429 (Relay answers 200 and drops the report; Periscope keeps its rule
// that a 200 means stored), and when the pipeline stays full it answers
// 503 after waiting a while for room.
func (s *Server) handleMinidump(c *fiber.Ctx) error {
	r, err := s.authenticate(c, nil)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	body, err := s.ingestBody(c, s.opts.MaxEnvelopeSize)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, sentry.MinidumpTooLarge(err))
	}
	up, err := sentry.ReadMinidumpUpload(c.Get(fiber.HeaderContentType), body, sentry.MinidumpLimits{
		MaxAttachmentSize: s.opts.MaxAttachmentSize, MaxEventSize: s.opts.MaxEventSize,
		Dropped: func(field, filename string) {
			s.Logger.Info("minidump upload: attachment over the size limit not stored", "field", field, "filename", filename)
		},
	})
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	payload, id, err := up.Event(s.opts.MaxEventSize)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	if over := s.overQuota(r, 1); len(over) > 0 {
		// Relay drops an over-quota minidump and still says 200; Periscope
		// never says 200 for what it does not keep, so the reporter is
		// told to come back (crashpad keeps the report and retries).
		s.countRateLimited(r.projectID, 1)
		return s.tooManyRequests(c, over...)
	}
	ev := &core.Accepted{ProjectID: r.projectID, PublicKey: r.key.PublicKey, EventID: id, ItemType: "event",
		Payload: payload, Received: r.received, ClientIP: c.IP(), Grouping: r.entry.grouping,
		Attachments: append([]*core.Attachment{up.Minidump}, up.Attachments...)}
	if err := s.submitPatiently(c, ev); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(sentry.DashedUUID(id))
}
