package http

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

// minidumpQueueWait bounds how long a minidump upload waits for room in a
// full pipeline before answering 503: crash reporters retry few times, so
// a short wait is better than a refusal.
var minidumpQueueWait = 10 * time.Second

// submitPatiently hands one event to the pipeline, waiting up to
// minidumpQueueWait for room when it is full; then it answers 503. With
// ingest.ack: committed it also waits for the commit. A nil return means
// the event is the pipeline's and nothing is written yet; otherwise the
// answer is written (or the error is for Fiber to write).
func (s *Server) submitPatiently(c *fiber.Ctx, ev *core.Accepted) error {
	if s.opts.AckCommitted {
		ev.Done = make(chan error, 1)
	}
	deadline := time.Now().Add(minidumpQueueWait)
	pause := 5 * time.Millisecond
	for {
		err := s.Sink.Submit(ev)
		if err == nil {
			break
		}
		if core.ErrorCode(err) != core.ERATELIMITED {
			return responded(s.ingestError(c, err))
		}
		if !time.Now().Before(deadline) {
			s.countRateLimited(ev.ProjectID, 1)
			c.Set(fiber.HeaderRetryAfter, "60")
			return responded(c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"detail": "service unavailable: queue full"}))
		}
		select {
		case <-time.After(pause):
		case <-c.UserContext().Done():
			return c.UserContext().Err()
		}
		if pause < 200*time.Millisecond {
			pause *= 2
		}
	}
	s.countAccepted(ev.ProjectID, 1)
	if ev.Done != nil {
		select {
		case <-s.unwritable():
			return responded(s.unavailable(c, errors.New("the database cannot write")))
		case err := <-ev.Done:
			if core.ErrorCode(err) == core.EUNAVAILABLE {
				return responded(s.unavailable(c, err)) // not committed: never 200
			}
			if err != nil {
				s.Logger.Debug("event rejected after commit wait", "event_id", ev.EventID, "reason", err)
			}
		case <-c.UserContext().Done():
			return c.UserContext().Err()
		}
	}
	return nil
}

// responded turns the nil of a successfully written error answer into
// errResponded, so the caller stops without writing another.
func responded(err error) error {
	if err != nil {
		return err
	}
	return errResponded
}
