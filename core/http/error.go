package http

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// codes maps core error codes to HTTP statuses.
var codes = map[string]int{
	core.EINVALID:      http.StatusBadRequest,
	core.EUNAUTHORIZED: http.StatusUnauthorized,
	core.EFORBIDDEN:    http.StatusForbidden,
	core.ENOTFOUND:     http.StatusNotFound,
	core.ECONFLICT:     http.StatusConflict,
	core.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	core.ERATELIMITED:  http.StatusTooManyRequests,
	core.EUNAVAILABLE:  http.StatusServiceUnavailable,
	core.EINTERNAL:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for err's code.
func StatusOf(err error) int {
	if s, ok := codes[core.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the admin API's error shape: {"error": {"code", "message"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody; Field names the invalid input.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// adminError writes err in the admin API's shape and logs internal errors.
func (s *Server) adminError(c *fiber.Ctx, err error) error {
	code := core.ErrorCode(err)
	if code == core.EINTERNAL {
		s.Logger.Error("admin api", "method", c.Method(), "path", c.Path(), "err", err)
	}
	d := ErrorDetail{Code: code, Message: core.ErrorMessage(err)}
	var e *core.Error
	if errors.As(err, &e) {
		d.Field = e.Field
	}
	return c.Status(StatusOf(err)).JSON(ErrorBody{Error: d})
}

// ingestError writes err as Relay does: {"detail": "..."}.
func (s *Server) ingestError(c *fiber.Ctx, err error) error {
	code := core.ErrorCode(err)
	if code == core.EINTERNAL && !isUnavailable(err) {
		s.Logger.Error("ingest", "path", c.Path(), "err", err)
	}
	if code == core.EUNAVAILABLE {
		return s.unavailable(c, err)
	}
	s.countRejected(c, err)
	if isUnavailable(err) {
		// The database is down and the key is not cached: the SDK should
		// come back, not drop the event as it would on a 500.
		s.Logger.Warn("ingest: refused while the database is unavailable", "path", c.Path(), "err", err)
		c.Set(fiber.HeaderRetryAfter, "10")
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"detail": "service unavailable: the database cannot be reached"})
	}
	if code == core.ERATELIMITED {
		return s.tooManyRequests(c, quota{"organization", 1})
	}
	if errors.Is(err, sentry.ErrUnsupportedEncoding) {
		// Relay's decompression layer answers 415 for a coding it does
		// not know; the detail names the coding.
		coding := strings.TrimPrefix(err.Error(), sentry.ErrUnsupportedEncoding.Error())
		return c.Status(http.StatusUnsupportedMediaType).JSON(fiber.Map{"detail": sentry.ErrUnsupportedEncoding.Message + coding})
	}
	return c.Status(StatusOf(err)).JSON(fiber.Map{"detail": core.ErrorMessage(err)})
}

// fiberErrorHandler answers errors that escape handlers (unknown routes,
// body limits) in the shape of the API they hit.
func (s *Server) fiberErrorHandler(c *fiber.Ctx, err error) error {
	if errors.Is(err, errResponded) {
		return nil
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := core.EINTERNAL
		switch fe.Code {
		case http.StatusNotFound:
			code = core.ENOTFOUND
		case http.StatusRequestEntityTooLarge:
			code = core.ETOOLARGE
		case http.StatusBadRequest:
			code = core.EINVALID
		case http.StatusMethodNotAllowed:
			return c.Status(fe.Code).JSON(ErrorBody{Error: ErrorDetail{Code: "method_not_allowed", Message: fe.Message}})
		default:
			if fe.Code >= 400 && fe.Code < 500 {
				// Protocol-level refusals from fasthttp (408 request
				// timeout, 431 headers too large, ...) keep their status.
				return c.Status(fe.Code).JSON(fiber.Map{"detail": fe.Message})
			}
		}
		err = &core.Error{Code: code, Message: fe.Message}
	} else if core.ErrorCode(err) == core.EINTERNAL {
		s.Logger.Error("http", "method", c.Method(), "path", c.Path(), "err", err)
	}
	if isAdminPath(c.Path()) {
		return s.adminError(c, err)
	}
	return c.Status(StatusOf(err)).JSON(fiber.Map{"detail": core.ErrorMessage(err)})
}
