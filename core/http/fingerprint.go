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

// handleListIssueTags lists the tag values an issue's events carried with
// their counts: what search filters on and the tag distribution shows.
func (s *Server) handleListIssueTags(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	tags, err := s.svc().FindIssueTags(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"tags": tags})
}
