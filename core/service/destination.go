package service

import (
	"context"
	"regexp"

	"github.com/periscope-hq/periscope/core"
)

// apiPluginName is what a caller of the use cases may name as a plugin: a
// bare name that the plugin host resolves in its plugin folder, never a
// path (paths are for config.yaml, which only the operator writes).
var apiPluginName = regexp.MustCompile(`^[a-z0-9-]+$`)

// errAPIPlugin answers any plugin that is not such a name; the host answers
// a missing plugin with the same words.
var errAPIPlugin = core.FieldErrorf("plugin", "plugin must name an installed plugin (lowercase letters, digits and -, such as webhook, slack or email); paths are allowed only in config.yaml")

// DestinationInput is a new destination of a project.
type DestinationInput struct {
	Name   string
	Plugin string         // an installed plugin's name, never a path
	Config map[string]any // nil is {}; SecretMask values are refused
	When   string         // expr filter over the alert; "" is every alert
}

// CreateDestination adds a destination to a project and returns it with
// its secrets masked. ENOTFOUND for an unknown project; EINVALID naming
// the field for a missing name or plugin, a plugin given as a path, a
// secret sent as SecretMask, or what the plugin refuses (when Notify is
// set); ECONFLICT for a name in use in the project.
func (s *Service) CreateDestination(ctx context.Context, projectID int64, in DestinationInput) (*core.Destination, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	switch {
	case in.Plugin == "":
		return nil, core.FieldErrorf("plugin", "plugin is required (webhook, slack, email, or your own)")
	case !apiPluginName.MatchString(in.Plugin):
		return nil, errAPIPlugin
	case in.Name == "":
		return nil, core.FieldErrorf("name", "name is required")
	}
	d := &core.Destination{ProjectID: projectID, Name: in.Name, Plugin: in.Plugin, Config: in.Config, When: in.When, Source: "api"}
	if d.Config == nil {
		d.Config = map[string]any{}
	}
	var err error
	if d.Config, err = unmaskConfig(d.Plugin, d.Config, nil); err != nil {
		return nil, err
	}
	if err := s.validate(ctx, d); err != nil {
		return nil, err
	}
	if err := s.Store.CreateDestination(ctx, d); err != nil {
		return nil, err
	}
	return MaskSecrets(d), nil
}

// validate checks d through its plugin when a Notifier is set.
func (s *Service) validate(ctx context.Context, d *core.Destination) error {
	if s.Notify == nil {
		return nil
	}
	return s.Notify.ValidateDestination(ctx, d)
}

// FindDestinations returns the destinations a project sees (its own and
// the global ones from config.yaml), secrets masked.
func (s *Service) FindDestinations(ctx context.Context, projectID int64) ([]*core.Destination, error) {
	ds, err := s.Store.FindDestinations(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := make([]*core.Destination, len(ds))
	for i, d := range ds {
		out[i] = MaskSecrets(d)
	}
	return out, nil
}

// FindDestination returns a destination the project sees, secrets masked;
// ENOTFOUND for an unknown project, an unknown destination or another
// project's.
func (s *Service) FindDestination(ctx context.Context, projectID, destID int64) (*core.Destination, error) {
	d, err := s.findDestination(ctx, projectID, destID, false)
	if err != nil {
		return nil, err
	}
	return MaskSecrets(d), nil
}

// findDestination returns the destination if the project sees it (its
// own, or a global one), unmasked; writable also refuses the ones
// config.yaml defines (ECONFLICT).
func (s *Service) findDestination(ctx context.Context, projectID, destID int64, writable bool) (*core.Destination, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	d, err := s.Store.FindDestinationByID(ctx, destID)
	if err != nil {
		return nil, err
	} else if d.ProjectID != projectID && d.ProjectID != 0 {
		return nil, core.Errorf(core.ENOTFOUND, "project %d has no destination %d", projectID, destID)
	} else if writable && d.Source == "config" {
		return nil, core.Errorf(core.ECONFLICT, "destination %q is defined in config.yaml (notify.destinations); change it there", d.Name)
	}
	return d, nil
}

// UpdateDestination changes a project's own destination and returns it,
// secrets masked. A config replaces the whole config; a SecretMask value
// in it keeps the stored secret at that key (so a caller may send back
// what it read). The result is checked through its plugin when Notify is
// set. ENOTFOUND as FindDestination; ECONFLICT for one config.yaml
// defines or a name in use; EINVALID naming the field.
func (s *Service) UpdateDestination(ctx context.Context, projectID, destID int64, upd core.DestinationUpdate) (*core.Destination, error) {
	d, err := s.findDestination(ctx, projectID, destID, true)
	if err != nil {
		return nil, err
	}
	next := *d
	if upd.Name != nil {
		next.Name = *upd.Name
	}
	if upd.Config != nil {
		if upd.Config, err = unmaskConfig(d.Plugin, upd.Config, d.Config); err != nil {
			return nil, err
		}
		next.Config = upd.Config
	}
	if upd.When != nil {
		next.When = *upd.When
	}
	if err := s.validate(ctx, &next); err != nil {
		return nil, err
	}
	up, err := s.Store.UpdateDestination(ctx, d.ID, upd)
	if err != nil {
		return nil, err
	}
	return MaskSecrets(up), nil
}

// DeleteDestination removes a project's own destination; ENOTFOUND and
// ECONFLICT as UpdateDestination.
func (s *Service) DeleteDestination(ctx context.Context, projectID, destID int64) error {
	d, err := s.findDestination(ctx, projectID, destID, true)
	if err != nil {
		return err
	}
	return s.Store.DeleteDestination(ctx, projectID, d.ID)
}

// TestDestination sends a made-up notification through a destination the
// project sees, now, and returns the plugin's error if any. ENOTFOUND as
// FindDestination; EINTERNAL when no Notifier is set.
func (s *Service) TestDestination(ctx context.Context, projectID, destID int64) error {
	d, err := s.findDestination(ctx, projectID, destID, false)
	if err != nil {
		return err
	}
	if s.Notify == nil {
		return core.Errorf(core.EINTERNAL, "notifications are not configured on this server")
	}
	p, err := s.Store.FindProjectByID(ctx, projectID)
	if err != nil {
		return err
	}
	return s.Notify.SendTest(ctx, d, p)
}
