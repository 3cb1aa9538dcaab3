package http

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// Notifier is what the admin API needs of the plugin host (core/notify's
// Host implements it): the destination use cases' Notifier.
type Notifier = service.Notifier

// SecretMask stands for a secret value of a destination's config in every
// admin API answer (see service.SecretMask).
const SecretMask = service.SecretMask

// destinationRequest is the body of POST: Periscope's shape (name, plugin,
// config, when) or the original one (type, webhook_url, webhook_headers).
type destinationRequest struct {
	Name   *string        `json:"name"`
	Plugin *string        `json:"plugin"`
	Config map[string]any `json:"config"`
	When   *string        `json:"when"`

	Type           string            `json:"type"`
	WebhookURL     string            `json:"webhook_url"`
	WebhookHeaders map[string]string `json:"webhook_headers"`
}

// legacyPlugins maps the original API's destination types to plugins.
var legacyPlugins = map[string]string{"generic_webhook": "webhook", "slack_webhook": "slack"}

// input turns a POST body into the use case's input, translating the
// original API's shape; the service validates the rest.
func (r *destinationRequest) input() (service.DestinationInput, error) {
	in := service.DestinationInput{Config: r.Config}
	if r.Name != nil {
		in.Name = *r.Name
	}
	if r.When != nil {
		in.When = *r.When
	}
	if r.Plugin != nil {
		in.Plugin = *r.Plugin
	}
	legacy := r.Type != "" || r.WebhookURL != "" || r.WebhookHeaders != nil
	switch {
	case legacy && (r.Plugin != nil || r.Config != nil):
		return in, core.FieldErrorf("type", "give either plugin and config, or the original type, webhook_url and webhook_headers, not both")
	case legacy:
		plugin, ok := legacyPlugins[r.Type]
		if !ok {
			return in, core.FieldErrorf("type", "type must be generic_webhook or slack_webhook (or use plugin and config)")
		}
		if r.WebhookURL == "" {
			return in, core.FieldErrorf("webhook_url", "webhook_url is required")
		}
		in.Plugin = plugin
		in.Config = map[string]any{"url": r.WebhookURL}
		if len(r.WebhookHeaders) > 0 {
			h := make(map[string]any, len(r.WebhookHeaders))
			for k, v := range r.WebhookHeaders {
				h[k] = v
			}
			in.Config["headers"] = h
		}
		if in.Name == "" {
			in.Name = r.Type
			if u, err := url.Parse(r.WebhookURL); err == nil && u.Host != "" {
				in.Name += " " + u.Host
			}
		}
	}
	return in, nil
}

func (s *Server) handleCreateDestination(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	var req destinationRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	in, err := req.input()
	if err != nil {
		return s.adminError(c, err)
	}
	d, err := s.svc().CreateDestination(c.UserContext(), id, in)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s *Server) handleListDestinations(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	ds, err := s.svc().FindDestinations(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"destinations": ds})
}

// destinationParams reads the :id and :dest_id path parameters.
func destinationParams(c *fiber.Ctx) (projectID, destID int64, err error) {
	if projectID, err = idParam(c, "id"); err != nil {
		return 0, 0, err
	}
	if destID, err = idParam(c, "dest_id"); err != nil {
		return 0, 0, err
	}
	return projectID, destID, nil
}

func (s *Server) handleGetDestination(c *fiber.Ctx) error {
	projectID, destID, err := destinationParams(c)
	if err != nil {
		return s.adminError(c, err)
	}
	d, err := s.svc().FindDestination(c.UserContext(), projectID, destID)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(d)
}

type updateDestinationRequest struct {
	Name   *string        `json:"name"`
	Config map[string]any `json:"config"`
	When   *string        `json:"when"`
}

func (s *Server) handleUpdateDestination(c *fiber.Ctx) error {
	projectID, destID, err := destinationParams(c)
	if err != nil {
		return s.adminError(c, err)
	}
	var req updateDestinationRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	d, err := s.svc().UpdateDestination(c.UserContext(), projectID, destID, core.DestinationUpdate{Name: req.Name, Config: req.Config, When: req.When})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(d)
}

func (s *Server) handleDeleteDestination(c *fiber.Ctx) error {
	projectID, destID, err := destinationParams(c)
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.svc().DeleteDestination(c.UserContext(), projectID, destID); err != nil {
		return s.adminError(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// handleTestDestination sends a made-up notification through the
// destination now: 200 {"delivered": true}, or the plugin's error.
func (s *Server) handleTestDestination(c *fiber.Ctx) error {
	projectID, destID, err := destinationParams(c)
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.svc().TestDestination(c.UserContext(), projectID, destID); err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"delivered": true, "destination_id": destID})
}
