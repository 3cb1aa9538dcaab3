package http

import "github.com/gofiber/fiber/v2"

// manageRoutes registers the remaining admin routes (project and key
// management, issue triage, stats).
func (s *Server) manageRoutes(admin fiber.Router) {}
