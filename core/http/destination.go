package http

import (
	"context"
	"net/url"
	"regexp"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
)

// Notifier is what the admin API needs of the plugin host (core/notify's
// Host implements it).
type Notifier interface {
	// ValidateDestination checks a destination's plugin, config and when
	// filter; errors are EINVALID naming the field.
	ValidateDestination(ctx context.Context, d *core.Destination) error
	// SendTest delivers a test notification to d now.
	SendTest(ctx context.Context, d *core.Destination, p *core.Project) error
}

// notifyRoutes registers the destination and alert routes.
func (s *Server) notifyRoutes(admin fiber.Router) {
	const dests = "/projects/:id/alert_notification_destinations"
	admin.Post(dests, s.handleCreateDestination)
	admin.Get(dests, s.handleListDestinations)
	admin.Get(dests+"/:dest_id", s.handleGetDestination)
	admin.Patch(dests+"/:dest_id", s.handleUpdateDestination)
	admin.Delete(dests+"/:dest_id", s.handleDeleteDestination)
	admin.Post(dests+"/:dest_id/test", s.handleTestDestination)
	s.alertRoutes(admin)
}

// destinationRequest is the body of POST and PATCH: Periscope's shape
// (name, plugin, config, when) or, for POST, the original one (type,
// webhook_url, webhook_headers).
type destinationRequest struct {
	Name   *string        `json:"name"`
	Plugin *string        `json:"plugin"`
	Config map[string]any `json:"config"`
	When   *string        `json:"when"`

	Type           string            `json:"type"`
	WebhookURL     string            `json:"webhook_url"`
	WebhookHeaders map[string]string `json:"webhook_headers"`
}

// apiPluginName is what an API caller may name as a plugin: a bare name
// that the plugin host resolves in its plugin folder, never a path (paths
// are for config.yaml, which only the operator writes).
var apiPluginName = regexp.MustCompile(`^[a-z0-9-]+$`)

// errAPIPlugin answers any plugin that is not such a name; the host answers
// a missing plugin with the same words.
var errAPIPlugin = core.FieldErrorf("plugin", "plugin must name an installed plugin (lowercase letters, digits and -, such as webhook, slack or email); paths are allowed only in config.yaml")

// legacyPlugins maps the original API's destination types to plugins.
var legacyPlugins = map[string]string{"generic_webhook": "webhook", "slack_webhook": "slack"}

// destination turns a POST body into a destination of the project.
func (r *destinationRequest) destination(projectID int64) (*core.Destination, error) {
	d := &core.Destination{ProjectID: projectID, Config: r.Config, Source: "api"}
	if r.Name != nil {
		d.Name = *r.Name
	}
	if r.When != nil {
		d.When = *r.When
	}
	legacy := r.Type != "" || r.WebhookURL != "" || r.WebhookHeaders != nil
	switch {
	case legacy && (r.Plugin != nil || r.Config != nil):
		return nil, core.FieldErrorf("type", "give either plugin and config, or the original type, webhook_url and webhook_headers, not both")
	case legacy:
		plugin, ok := legacyPlugins[r.Type]
		if !ok {
			return nil, core.FieldErrorf("type", "type must be generic_webhook or slack_webhook (or use plugin and config)")
		}
		if r.WebhookURL == "" {
			return nil, core.FieldErrorf("webhook_url", "webhook_url is required")
		}
		d.Plugin = plugin
		d.Config = map[string]any{"url": r.WebhookURL}
		if len(r.WebhookHeaders) > 0 {
			h := make(map[string]any, len(r.WebhookHeaders))
			for k, v := range r.WebhookHeaders {
				h[k] = v
			}
			d.Config["headers"] = h
		}
		if d.Name == "" {
			d.Name = r.Type
			if u, err := url.Parse(r.WebhookURL); err == nil && u.Host != "" {
				d.Name += " " + u.Host
			}
		}
	case r.Plugin == nil || *r.Plugin == "":
		return nil, core.FieldErrorf("plugin", "plugin is required (webhook, slack, email, or your own)")
	case !apiPluginName.MatchString(*r.Plugin):
		return nil, errAPIPlugin
	default:
		d.Plugin = *r.Plugin
	}
	if d.Config == nil {
		d.Config = map[string]any{}
	}
	if d.Name == "" {
		return nil, core.FieldErrorf("name", "name is required")
	}
	return d, nil
}

// validateDestination checks d through its plugin when a Notifier is set.
func (s *Server) validateDestination(c *fiber.Ctx, d *core.Destination) error {
	if s.Notify == nil {
		return nil
	}
	return s.Notify.ValidateDestination(c.UserContext(), d)
}

func (s *Server) handleCreateDestination(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	if _, err := s.Store.FindProjectByID(c.UserContext(), id); err != nil {
		return s.adminError(c, err)
	}
	var req destinationRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	d, err := req.destination(id)
	if err != nil {
		return s.adminError(c, err)
	}
	if d.Config, err = unmaskConfig(d.Plugin, d.Config, nil); err != nil {
		return s.adminError(c, err)
	}
	if err := s.validateDestination(c, d); err != nil {
		return s.adminError(c, err)
	}
	if err := s.Store.CreateDestination(c.UserContext(), d); err != nil {
		return s.adminError(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(withDestinationSecrets(d))
}

func (s *Server) handleListDestinations(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return s.adminError(c, err)
	}
	ds, err := s.Store.FindDestinations(c.UserContext(), id)
	if err != nil {
		return s.adminError(c, err)
	}
	out := make([]*core.Destination, len(ds))
	for i, d := range ds {
		out[i] = withDestinationSecrets(d)
	}
	return c.JSON(fiber.Map{"destinations": out})
}

// routeDestination returns the destination named by the route if the
// project sees it (its own, or a global one); writable also refuses the
// ones config.yaml defines.
func (s *Server) routeDestination(c *fiber.Ctx, writable bool) (*core.Destination, int64, error) {
	projectID, err := idParam(c, "id")
	if err != nil {
		return nil, 0, err
	}
	destID, err := idParam(c, "dest_id")
	if err != nil {
		return nil, 0, err
	}
	if _, err := s.Store.FindProjectByID(c.UserContext(), projectID); err != nil {
		return nil, 0, err
	}
	d, err := s.Store.FindDestinationByID(c.UserContext(), destID)
	if err != nil {
		return nil, 0, err
	} else if d.ProjectID != projectID && d.ProjectID != 0 {
		return nil, 0, core.Errorf(core.ENOTFOUND, "project %d has no destination %d", projectID, destID)
	} else if writable && d.Source == "config" {
		return nil, 0, core.Errorf(core.ECONFLICT, "destination %q is defined in config.yaml (notify.destinations); change it there", d.Name)
	}
	return d, projectID, nil
}

func (s *Server) handleGetDestination(c *fiber.Ctx) error {
	d, _, err := s.routeDestination(c, false)
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(withDestinationSecrets(d))
}

type updateDestinationRequest struct {
	Name   *string        `json:"name"`
	Config map[string]any `json:"config"`
	When   *string        `json:"when"`
}

func (s *Server) handleUpdateDestination(c *fiber.Ctx) error {
	d, _, err := s.routeDestination(c, true)
	if err != nil {
		return s.adminError(c, err)
	}
	var req updateDestinationRequest
	if err := decodeJSON(c, &req); err != nil {
		return s.adminError(c, err)
	}
	next := *d
	if req.Name != nil {
		next.Name = *req.Name
	}
	if req.Config != nil {
		// A client sends back the masks it read for secrets it keeps.
		if req.Config, err = unmaskConfig(d.Plugin, req.Config, d.Config); err != nil {
			return s.adminError(c, err)
		}
		next.Config = req.Config
	}
	if req.When != nil {
		next.When = *req.When
	}
	if err := s.validateDestination(c, &next); err != nil {
		return s.adminError(c, err)
	}
	up, err := s.Store.UpdateDestination(c.UserContext(), d.ID, core.DestinationUpdate{Name: req.Name, Config: req.Config, When: req.When})
	if err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(withDestinationSecrets(up))
}

func (s *Server) handleDeleteDestination(c *fiber.Ctx) error {
	d, projectID, err := s.routeDestination(c, true)
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.Store.DeleteDestination(c.UserContext(), projectID, d.ID); err != nil {
		return s.adminError(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// handleTestDestination sends a made-up notification through the
// destination now: 200 {"delivered": true}, or the plugin's error.
func (s *Server) handleTestDestination(c *fiber.Ctx) error {
	d, projectID, err := s.routeDestination(c, false)
	if err != nil {
		return s.adminError(c, err)
	}
	if s.Notify == nil {
		return s.adminError(c, core.Errorf(core.EINTERNAL, "notifications are not configured on this server"))
	}
	p, err := s.Store.FindProjectByID(c.UserContext(), projectID)
	if err != nil {
		return s.adminError(c, err)
	}
	if err := s.Notify.SendTest(c.UserContext(), d, p); err != nil {
		return s.adminError(c, err)
	}
	return c.JSON(fiber.Map{"delivered": true, "destination_id": d.ID})
}
