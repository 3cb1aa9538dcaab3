package http

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

// Notifier is what the admin API needs of the plugin host.
type Notifier interface {
	// ValidateDestination checks a destination's plugin, config and when
	// filter; errors are EINVALID naming the field.
	ValidateDestination(ctx context.Context, d *core.Destination) error
	// SendTest delivers a test notification to d now.
	SendTest(ctx context.Context, d *core.Destination, p *core.Project) error
}

// notifyRoutes registers the destination and alert routes.
func (s *Server) notifyRoutes(admin fiber.Router) {}
