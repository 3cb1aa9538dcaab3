package http

import "github.com/gofiber/fiber/v2"

// manageRoutes registers the remaining admin routes (project and key
// management, stats).
func (s *Server) manageRoutes(admin fiber.Router) {
	admin.Patch("/projects/:id", s.handleUpdateProject)
	admin.Delete("/projects/:id", s.handleDeleteProject)
	admin.Get("/projects/:id/keys", s.handleListKeys)
	admin.Patch("/projects/:id/keys/:key", s.handleUpdateKey)
	admin.Get("/projects/:id/stats", s.handleProjectStats)
}
