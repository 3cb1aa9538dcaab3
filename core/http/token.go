package http

import (
	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core/service"
)

// API tokens of a project, for sentry-cli (sentryapi.go). The secret is in
// the creation's answer only.

type createTokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

func (s *Server) handleListTokens(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	ts, err := s.svc().FindTokens(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"tokens": ts})
}

func (s *Server) handleCreateToken(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req createTokenRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return s.adminError(c, err)
		}
	}
	t, err := s.svc().CreateToken(c.UserContext(), id, service.CreateTokenInput{Name: req.Name, Scopes: req.Scopes})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (s *Server) handleRevokeToken(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	tid, err := idParam(c, "token_id")
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.svc().RevokeToken(c.UserContext(), id, tid); err != nil {
		return s.adminError(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) handleListBundles(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	bs, err := s.svc().FindArtifactBundles(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"bundles": bs})
}
