package http

import "github.com/gofiber/fiber/v2"

// handleListFingerprints lists the hashes that lead to an issue with the
// grouping configuration that computed each: its own, merged issues' and
// the aliases recorded during a grouping configuration transition.
func (s *Server) handleListFingerprints(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	fps, err := s.svc().FindIssueFingerprints(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"fingerprints": fps})
}
