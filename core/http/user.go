package http

import (
	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// userCreated is the answer to a user creation: the user and, when the
// request gave none, the generated password (shown this once).
type userCreated struct {
	*core.User
	Password string `json:"password,omitempty"`
}

func (s *Server) handleListUsers(c *fiber.Ctx) error {
	us, err := s.svc().FindUsers(c.UserContext())
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"users": us})
}

func (s *Server) handleCreateUser(c *fiber.Ctx) error {
	var in service.CreateUserInput
	if err := decodeJSON(c, &in); err != nil {
		return s.adminError(c, err)
	}
	generated := ""
	if in.Password == "" {
		generated = service.GeneratePassword()
		in.Password = generated
	}
	u, err := s.svc().CreateUser(c.UserContext(), in)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(userCreated{User: u, Password: generated})
}

func (s *Server) handleDeleteUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.svc().DeleteUser(c.UserContext(), id); err != nil {
		return s.adminError(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type setPasswordRequest struct {
	Password string `json:"password"`
}

func (s *Server) handleSetUserPassword(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req setPasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	if err := s.svc().SetPassword(c.UserContext(), id, req.Password); err != nil {
		return s.adminError(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
