package http

import (
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// Request bodies are streamed (fasthttp's StreamRequestBody): the HTTP
// layer reads at most 8 KiB ahead before a handler runs, so a declared
// Content-Length costs nothing until its bytes arrive. Handlers check the
// credentials in the headers first, then read the body with readBody,
// which takes every byte it holds from one budget shared by all
// connections and gives it back when the request ends. A request that
// finds the budget spent is answered 429 with Retry-After; a slow body is
// cut by the server's ReadTimeout.

// bodyChunk is the first buffer of a body read and the unit it grows by
// at least; a connection that sends little holds little.
const bodyChunk = 16 << 10

// wireSlack is what a body on the wire may exceed its decoded limit by
// (envelope framing, a compression header).
const wireSlack = 64 << 10

// errBodyBudget is returned by readBody when the bytes being read across
// all connections reached Options.BodyBudget.
var errBodyBudget = core.Errorf(core.ERATELIMITED, "service unavailable: too many request bytes in flight")

// bodyHold is what one request took from the budget, and whether its body
// was read to the end (else the connection cannot be reused).
type bodyHold struct {
	n    int64
	done bool
}

type bodyHoldKey struct{}

// bodyScope is the outermost middleware: it gives back what the request
// took from the body budget, and closes a connection whose body was left
// unread, so the next request is not read from the middle of it.
func (s *Server) bodyScope(c *fiber.Ctx) error {
	h := &bodyHold{}
	c.Locals(bodyHoldKey{}, h)
	err := c.Next()
	if h.n > 0 {
		s.bodyHeld.Add(-h.n)
		s.bodyBudget.Release(h.n)
	}
	if !h.done && c.Request().IsBodyStream() {
		c.Context().SetConnectionClose()
	}
	return err
}

func hold(c *fiber.Ctx) *bodyHold {
	if h, ok := c.Locals(bodyHoldKey{}).(*bodyHold); ok {
		return h
	}
	return &bodyHold{} // outside bodyScope (not reached in the app)
}

// take reserves n bytes of the body budget for the request.
func (s *Server) take(c *fiber.Ctx, n int64) bool {
	if n <= 0 {
		return true
	}
	if !s.bodyBudget.TryAcquire(n) {
		return false
	}
	s.bodyHeld.Add(n)
	hold(c).n += n
	return true
}

// readBody returns the request body as sent, at most limit bytes: a body
// declared or found longer gives ETOOLARGE before more is read, and
// errBodyBudget when the shared budget cannot hold the next bytes. The
// returned slice is the caller's (accepted events keep it).
func (s *Server) readBody(c *fiber.Ctx, limit int64) ([]byte, error) {
	return s.readBodyFrom(c, limit, nil, nil)
}

// readBodyFrom reads on from buf (nil, or what an earlier call returned)
// as readBody does; when stop is not nil it returns as soon as stop
// reports that what was read so far is enough, so that a later call can
// go on from there.
func (s *Server) readBodyFrom(c *fiber.Ctx, limit int64, buf []byte, stop func([]byte) bool) ([]byte, error) {
	req := c.Request()
	h := hold(c)
	if cl := req.Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return nil, core.Errorf(core.ETOOLARGE, "request body of %d bytes is over the %d byte limit", cl, limit)
	}
	if h.done {
		return buf, nil
	}
	stream := req.BodyStream()
	if stream == nil {
		b := req.Body()
		if int64(len(b)) > limit {
			return nil, core.Errorf(core.ETOOLARGE, "request body over the %d byte limit", limit)
		}
		if !s.take(c, int64(len(b))) {
			return nil, errBodyBudget
		}
		h.done = true
		return append([]byte(nil), b...), nil
	}
	want := int64(req.Header.ContentLength()) // <0: chunked or unknown
	for stop == nil || !stop(buf) {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, core.Errorf(core.ETOOLARGE, "request body over the %d byte limit", limit)
			}
			grow := max(int64(cap(buf)), bodyChunk)
			size := min(int64(cap(buf))+grow, limit+1)
			if want >= 0 {
				size = min(size, want+1) // room for the EOF read
			}
			if !s.take(c, size-int64(cap(buf))) {
				return nil, errBodyBudget
			}
			nb := make([]byte, len(buf), size)
			copy(nb, buf)
			buf = nb
		}
		n, err := stream.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			h.done = true
			break
		}
		if err != nil {
			return nil, core.Errorf(core.EINVALID, "reading the request body: %v", err)
		}
	}
	if int64(len(buf)) > limit {
		return nil, core.Errorf(core.ETOOLARGE, "request body over the %d byte limit", limit)
	}
	return buf, nil
}

// ingestBody reads and decodes an ingestion request's body: the wire
// bytes within limit plus framing, then Content-Encoding undone within
// limit; the decoded bytes count against the budget too.
func (s *Server) ingestBody(c *fiber.Ctx, limit int64) ([]byte, error) {
	return s.ingestBodyFrom(c, limit, nil)
}

// ingestBodyFrom is ingestBody going on from head, the start of the body
// as an earlier readBodyFrom returned it.
func (s *Server) ingestBodyFrom(c *fiber.Ctx, limit int64, head []byte) ([]byte, error) {
	raw, err := s.readBodyFrom(c, limit+wireSlack, head, nil)
	if err != nil {
		return nil, err
	}
	body, err := sentry.Decompress(raw, c.Get(fiber.HeaderContentEncoding), limit)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 && len(raw) > 0 && &body[0] != &raw[0] && !s.take(c, int64(cap(body))) {
		return nil, errBodyBudget
	}
	return body, nil
}
