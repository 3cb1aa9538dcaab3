package http

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPI is the admin API's OpenAPI 3.1 description. openapi_test.go keeps
// it true: every admin route is in it and every path in it is a route, and
// requests it calls invalid are refused with 400 naming the field.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the admin API's OpenAPI 3.1 document (JSON).
func OpenAPI() []byte { return openAPI }

func (s *Server) handleOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPI)
}
