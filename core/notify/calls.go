package notify

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
)

// Notify delivers n through dest's plugin, configured with dest.Config.
// The error keeps the plugin's classification (sdk.IsPermanent,
// sdk.RetryAfterOf); a crashed plugin gives an *sdk.TransportError and is
// restarted on the next call. Only a destination of config.yaml may name
// its plugin by path (see ResolveName).
func (h *Host) Notify(ctx context.Context, dest *core.Destination, n sdk.Notification) error {
	path, err := h.resolveFor(dest)
	if err != nil {
		return err
	}
	return h.call(ctx, path, h.pluginConfig(dest.Config), true, func(p sdk.Notifier) error {
		return p.Notify(ctx, n)
	})
}

// Info asks a plugin to describe itself.
func (h *Host) Info(ctx context.Context, plugin string) (sdk.Info, error) {
	path, err := h.Resolve(plugin)
	if err != nil {
		return sdk.Info{}, err
	}
	var info sdk.Info
	err = h.call(ctx, path, nil, false, func(p sdk.Notifier) error {
		info, err = p.Info(ctx)
		return err
	})
	return info, err
}

// Validate checks a plugin name and config through the plugin itself. A
// bad plugin is EINVALID naming "plugin"; a config the plugin rejects is
// EINVALID naming "config.<field>" with the plugin's message.
func (h *Host) Validate(ctx context.Context, plugin string, config map[string]any) error {
	path, err := h.Resolve(plugin)
	if err != nil {
		return err
	}
	return h.validate(ctx, path, plugin, config)
}

// validate asks the plugin at path to check config.
func (h *Host) validate(ctx context.Context, path, plugin string, config map[string]any) error {
	c := h.pluginConfig(config)
	var err error
	for attempt := 0; ; attempt++ {
		err = h.call(ctx, path, nil, false, func(p sdk.Notifier) error { return p.Validate(ctx, c) })
		if !sdk.IsTransportError(err) || attempt == 1 {
			break
		}
	}
	if err == nil {
		return nil
	} else if ce := sdk.AsConfigError(err); ce != nil {
		field := "config"
		if ce.Field != "" {
			field += "." + ce.Field
		}
		return core.FieldErrorf(field, "%s", ce.Message)
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	return core.FieldErrorf("plugin", "plugin %q cannot validate its config: %v", plugin, err)
}

// ValidateDestination checks everything about d that can be wrong: name,
// plugin, config (through the plugin) and the when filter. The admin API
// answers its error with 400 naming the field. A destination whose Source
// is not "config" may only name a plugin of the plugin folder
// (ResolveName), so an API caller can never make the server run a path.
func (h *Host) ValidateDestination(ctx context.Context, d *core.Destination) error {
	if strings.TrimSpace(d.Name) == "" {
		return core.FieldErrorf("name", "name is required")
	} else if len(d.Name) > 200 {
		return core.FieldErrorf("name", "name must be at most 200 characters")
	}
	if _, err := CompileWhen(d.When); err != nil {
		return err
	}
	path, err := h.resolveFor(d)
	if err != nil {
		return err
	}
	return h.validate(ctx, path, d.Plugin, d.Config)
}

// SendTest delivers TestPayload to dest right away, bypassing the outbox
// and dest.When, for the admin API's test route. A config the plugin
// rejects is EINVALID naming "config.<field>"; any other failure is
// EINVALID with the plugin's message (which never holds the destination's
// secrets when the plugin uses sdk/httpclient).
func (h *Host) SendTest(ctx context.Context, dest *core.Destination, project *core.Project) error {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.AttemptTimeout)
	defer cancel()
	err := h.Notify(ctx, dest, TestPayload(project, time.Now()))
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	} else if cfgErr := sdk.AsConfigError(err); cfgErr != nil {
		field := "config"
		if cfgErr.Field != "" {
			field += "." + cfgErr.Field
		}
		return core.FieldErrorf(field, "%s", cfgErr.Message)
	}
	return core.Errorf(core.EINVALID, "test notification failed: %v", err)
}
