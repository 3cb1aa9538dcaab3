package http

import (
	"bytes"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// securityTypes are the Content-Types browsers send security reports with.
var securityTypes = map[string]bool{
	"application/csp-report":            true,
	"application/json":                  true,
	"application/expect-ct-report":      true,
	"application/expect-ct-report+json": true,
	"application/expect-staple-report":  true,
	"application/reports+json":          true,
}

// handleSecurity takes browser security reports (CSP, HPKP, Expect-CT,
// Expect-Staple, and Reporting API lists of csp-violation reports), turns
// each into an event the normalizer recognizes ({"csp": {...}}, ...) and
// submits them. It answers 200 with an empty body, as Relay does; 415 for
// another Content-Type, 400 for a body that is no report.
func (s *Server) handleSecurity(c *fiber.Ctx) error {
	r, err := s.authenticate(c, nil)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if !securityTypes[strings.ToLower(mt)] {
		s.stats.Invalid.Add(1)
		s.countRejected(c, core.Errorf(core.EINVALID, "unsupported media type"))
		return c.Status(fiber.StatusUnsupportedMediaType).JSON(fiber.Map{"detail": "unsupported media type for a security report"})
	}
	body, err := s.ingestBody(c, s.opts.MaxEventSize)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, eventTooLarge(err))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, core.Errorf(core.EINVALID, "empty event data"))
	}
	ctx := sentry.ReportContext{Release: c.Query("sentry_release"), Environment: c.Query("sentry_environment"),
		UserAgent: c.Get(fiber.HeaderUserAgent)}
	payloads, skipped, err := sentry.SecurityEvents(body, ctx)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	s.stats.countItems("report_not_stored", int64(skipped))
	if len(payloads) == 0 {
		c.Status(fiber.StatusOK)
		return nil // an empty body, as Relay
	}
	evs := make([]*core.Accepted, len(payloads))
	for i, p := range payloads {
		evs[i] = &core.Accepted{ProjectID: r.projectID, PublicKey: r.key.PublicKey, EventID: sentry.NewEventID(),
			ItemType: "security", Payload: p, Received: r.received, ClientIP: c.IP(),
			Grouping: r.entry.grouping}
	}
	if err := s.rateLimit(c, r, len(evs)); err != nil {
		s.countRateLimited(r.projectID, len(evs))
		return err
	}
	if err := s.submit(c, evs); err != nil {
		return err
	}
	c.Status(fiber.StatusOK)
	return nil // an empty body, as Relay
}
