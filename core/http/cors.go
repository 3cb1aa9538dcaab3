package http

import (
	"github.com/gofiber/fiber/v2"
)

// Sentry's browser SDKs need these on every ingestion response, or they
// cannot see rate limits.
const (
	corsExposeHeaders = "x-sentry-error, x-sentry-rate-limits, retry-after"
	corsAllowHeaders  = "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, authentication, authorization, content-encoding, transfer-encoding, sentry-trace, baggage"
)

// cors sets CORS headers for ingestion routes and answers preflights
// (OPTIONS) with 200 and no authentication, as Relay does.
func (s *Server) cors(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	allowed := s.allowedOrigin(origin)
	if allowed != "" {
		c.Set(fiber.HeaderAccessControlAllowOrigin, allowed)
		c.Set(fiber.HeaderAccessControlExposeHeaders, corsExposeHeaders)
		if allowed != "*" {
			c.Vary(fiber.HeaderOrigin)
		}
	}
	if c.Method() != fiber.MethodOptions {
		return c.Next()
	}
	if allowed == "" {
		return c.Status(fiber.StatusForbidden).JSON(fiber.Map{"detail": "event submission rejected with_reason: Cors"})
	}
	c.Set(fiber.HeaderAccessControlAllowMethods, "GET, POST, OPTIONS")
	if req := c.Get(fiber.HeaderAccessControlRequestHeaders); req != "" {
		c.Set(fiber.HeaderAccessControlAllowHeaders, req)
	} else {
		c.Set(fiber.HeaderAccessControlAllowHeaders, corsAllowHeaders)
	}
	c.Set(fiber.HeaderAccessControlMaxAge, "3600")
	return c.SendStatus(fiber.StatusOK)
}

// allowedOrigin returns the Access-Control-Allow-Origin value for origin,
// or "" when the origin is not allowed.
func (s *Server) allowedOrigin(origin string) string {
	for _, o := range s.opts.CORSOrigins {
		if o == "*" {
			return "*"
		}
		if origin != "" && o == origin {
			return origin
		}
	}
	return ""
}
