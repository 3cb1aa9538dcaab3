package http

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// envelopeHeaderMax bounds what is read to find the envelope header's
// line when the dsn in it is the only credential.
const envelopeHeaderMax = 64 << 10

// Item types that carry an error-like event Periscope stores.
var eventItemTypes = map[string]bool{"event": true, "security": true}

// handleEnvelope authenticates from the headers and query string before
// it reads the body. A request without credentials there has only the
// envelope header's line read first (when the body is not compressed), so
// an unknown key in its dsn is refused before the rest arrives. Bodies are
// read through readBodyFrom/ingestBody (bounded, within the shared budget).
func (s *Server) handleEnvelope(c *fiber.Ctx) error {
	var head []byte // the body read so far, before authentication
	var readErr error
	r, err := s.authenticate(c, func() (string, error) {
		enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding))
		if enc != "" && !strings.EqualFold(enc, "identity") {
			// Compressed: the header line is only found by decoding.
			body, err := s.ingestBody(c, s.opts.MaxEnvelopeSize)
			if err != nil {
				readErr = err
				return "", err
			}
			head = body
			c.Request().Header.Del(fiber.HeaderContentEncoding)
		} else {
			head, readErr = s.readBodyFrom(c, s.opts.MaxEnvelopeSize+wireSlack, nil, func(b []byte) bool {
				return bytes.IndexByte(b, '\n') >= 0 || len(b) >= envelopeHeaderMax
			})
			if readErr != nil {
				return "", readErr
			}
		}
		line := head
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		e, err := sentry.ParseEnvelope(line)
		if err != nil {
			return "", err
		}
		return e.Header.DSN, nil
	})
	if readErr != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, envelopeTooLarge(readErr))
	}
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	body, err := s.ingestBodyFrom(c, s.opts.MaxEnvelopeSize, head)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, envelopeTooLarge(err))
	}
	env, err := sentry.ParseEnvelope(body)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	if env.Header.DSN != "" {
		if key, pid, err := sentry.ParseDSN(env.Header.DSN); err == nil && (pid != r.projectID || !strings.EqualFold(strings.SplitN(key, ".", 2)[0], r.key.PublicKey)) {
			s.stats.Invalid.Add(1)
			return s.ingestError(c, core.Errorf(core.EINVALID, "invalid envelope: the dsn header does not match the request's credentials"))
		}
	}
	return s.acceptEnvelope(c, r, env)
}

// acceptEnvelope splits an authenticated envelope into events (with their
// attachments) and counted items, applies limits and quotas, and submits.
func (s *Server) acceptEnvelope(c *fiber.Ctx, r *request, env *sentry.Envelope) error {
	var evs []*core.Accepted
	var attachments []*core.Attachment
	for i := range env.Items {
		it := &env.Items[i]
		switch {
		case eventItemTypes[it.Type]:
			if int64(len(it.Payload)) > s.opts.MaxEventSize {
				s.stats.Invalid.Add(1)
				return s.ingestError(c, core.Errorf(core.ETOOLARGE, "envelope exceeded size limits for type '%s' (https://develop.sentry.dev/sdk/envelopes/#size-limits)", it.Type))
			}
			if len(bytes.TrimSpace(it.Payload)) == 0 {
				continue // an empty event item carries nothing to store
			}
			id := env.Header.EventID
			if len(evs) > 0 || id == "" {
				id = eventIDOf(it.Payload)
			}
			if id == "" {
				id = sentry.NewEventID()
			}
			evs = append(evs, &core.Accepted{
				ProjectID: r.projectID,
				PublicKey: r.key.PublicKey,
				EventID:   id,
				ItemType:  it.Type,
				Payload:   it.Payload,
				Received:  r.received,
				SentAt:    env.Header.SentAt,
				ClientIP:  c.IP(),
				Grouping:  r.entry.grouping,
			})
		case it.Type == "attachment":
			if int64(len(it.Payload)) > s.opts.MaxAttachmentSize {
				s.Logger.Info("attachment over the size limit not stored", "filename", it.Filename, "size", len(it.Payload))
				s.stats.countItems("attachment_over_limit", 1)
				continue
			}
			attachments = append(attachments, &core.Attachment{
				Filename:       it.Filename,
				ContentType:    it.ContentType,
				AttachmentType: it.AttachmentType,
				Size:           int64(len(it.Payload)),
				Data:           it.Payload,
			})
		default:
			// transactions, spans, sessions, client reports, check-ins,
			// profiles, replays and unknown types: accepted and counted.
			s.stats.countItems(it.Type, 1)
		}
	}
	if len(evs) > 0 {
		evs[0].Attachments = attachments
		if err := s.rateLimit(c, r, len(evs)); err != nil {
			s.countRateLimited(r.projectID, len(evs))
			return err
		}
		if err := s.submit(c, evs); err != nil {
			return err
		}
	}
	if len(evs) == 0 {
		return c.JSON(fiber.Map{})
	}
	return c.JSON(fiber.Map{"id": evs[0].EventID})
}

func (s *Server) handleStore(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), "application/x-sentry-envelope") {
		return s.handleEnvelope(c)
	}
	r, err := s.authenticate(c, nil)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	body, err := s.ingestBody(c, s.opts.MaxEventSize)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, eventTooLarge(err))
	}
	payload, err := sentry.DecodeStoreBody(body, s.opts.MaxEventSize)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, eventTooLarge(err))
	}
	if len(bytes.TrimSpace(payload)) == 0 {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, core.Errorf(core.EINVALID, "empty event data"))
	}
	var probe struct {
		EventID string `json:"event_id"`
		Type    string `json:"type"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, core.Errorf(core.EINVALID, "invalid event data: %v", err))
	}
	id := sentry.NormalizeEventID(probe.EventID)
	if id == "" {
		id = sentry.NewEventID()
	}
	if probe.Type == "transaction" {
		s.stats.countItems("transaction", 1)
		return c.JSON(fiber.Map{"id": id})
	}
	ev := &core.Accepted{ProjectID: r.projectID, PublicKey: r.key.PublicKey, EventID: id, ItemType: "event",
		Payload: payload, Received: r.received, ClientIP: c.IP(),
		Grouping: r.entry.grouping}
	if err := s.rateLimit(c, r, 1); err != nil {
		s.countRateLimited(r.projectID, 1)
		return err
	}
	if err := s.submit(c, []*core.Accepted{ev}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": id})
}

// envelopeTooLarge rewrites a decompression limit error in Relay's words.
func envelopeTooLarge(err error) error {
	if core.ErrorCode(err) == core.ETOOLARGE {
		return core.Errorf(core.ETOOLARGE, "envelope exceeded size limits (https://develop.sentry.dev/sdk/envelopes/#size-limits)")
	}
	return err
}

func eventTooLarge(err error) error {
	if core.ErrorCode(err) == core.ETOOLARGE {
		return core.Errorf(core.ETOOLARGE, "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)")
	}
	return err
}
