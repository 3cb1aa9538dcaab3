package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/metrics"
	"github.com/periscope-hq/periscope/core/notify"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/threshold"
)

// alerting is the alerting side of a running Periscope: the plugin host
// and the outbox dispatcher (delivery, core/notify) and, when alerts.rules
// has rules, the threshold evaluator (core/threshold).
type alerting struct {
	host       *notify.Host
	dispatcher *notify.Dispatcher
	thresholds *threshold.Evaluator // nil without rules
}

// startAlerting builds the host and dispatcher from c.Notify, makes the
// destinations of config.yaml the store's "config" destinations (each
// validated by its plugin: a bad one stops start-up naming it), and starts
// delivering, including what was pending before a restart.
func startAlerting(ctx context.Context, c *config.Config, store core.Store, logger *slog.Logger, met *metrics.Metrics) (*alerting, error) {
	cfg := notifyConfig(c)
	if cfg.PublicURL == "" {
		cfg.PublicURL = c.PublicURL()
	}
	host := notify.NewHost(cfg, logger)
	host.OnRestart = met.PluginRestarted
	if err := syncDestinations(ctx, store, host, c.Notify.Destinations, logger); err != nil {
		_ = host.Close()
		return nil, err
	}
	a := &alerting{host: host, dispatcher: notify.NewDispatcher(store, host, cfg)}
	a.dispatcher.Events = store
	a.dispatcher.Logger = logger
	a.dispatcher.OnAttempt = met.Notification
	if len(c.Alerts.Rules) > 0 {
		th, err := threshold.New(store, alertRules(c))
		if err != nil {
			_ = host.Close()
			return nil, withCode(exitConfig, fmt.Errorf("alerts.rules: %w", err))
		}
		th.Logger, th.OnAlert = logger, a.dispatcher.Kick
		th.Start()
		a.thresholds = th
	}
	a.dispatcher.Start()
	return a, nil
}

// writer is the store the pipeline writes through: store itself, or with
// threshold rules the evaluator's Writer, which shows each committed batch
// to it (a map update; the evaluation runs in the background).
func (a *alerting) writer(store pipeline.Store) pipeline.Store {
	if a == nil {
		return store
	}
	return a.thresholds.Writer(store)
}

// close stops in order: pending threshold checks, then in-flight
// deliveries (recorded before the store closes), then the plugins.
func (a *alerting) close(ctx context.Context) error {
	if a == nil {
		return nil
	}
	var errs []error
	if a.thresholds != nil {
		errs = append(errs, a.thresholds.Stop(ctx))
	}
	errs = append(errs, a.dispatcher.Stop(ctx), a.host.Close())
	return errors.Join(errs...)
}

// syncDestinations validates notify.destinations through their plugins and
// stores them as the "config" destinations: one for every project, or one
// per listed project. A listed project that does not exist yet is skipped
// with a warning (restart once it exists).
func syncDestinations(ctx context.Context, store core.Store, host *notify.Host, specs []config.Destination, logger *slog.Logger) error {
	projects, err := store.FindProjects(ctx)
	if err != nil {
		return withCode(exitDatabase, fmt.Errorf("reading projects: %w", err))
	}
	byName, byID := map[string]int64{}, map[int64]bool{}
	for _, p := range projects {
		byName[p.Name], byID[p.ID] = p.ID, true
	}
	var ds []*core.Destination
	for i, spec := range specs {
		key := fmt.Sprintf("notify.destinations[%d] (%s)", i, spec.Name)
		d := core.Destination{Name: spec.Name, Plugin: spec.Plugin, Config: spec.Config, When: spec.When, Source: "config"}
		if d.Config == nil {
			d.Config = map[string]any{}
		}
		if err := host.ValidateDestination(ctx, &d); err != nil {
			return withCode(exitConfig, fmt.Errorf("%s: %s", key, describe(err)))
		}
		if len(spec.Projects) == 0 {
			ds = append(ds, &d)
			continue
		}
		for j, ref := range spec.Projects {
			id, ok := byName[ref]
			if !ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(ref), 10, 64); err == nil && byID[n] {
					id, ok = n, true
				}
			}
			if !ok {
				logger.Warn("config destination skipped for an unknown project; restart once the project exists",
					"destination", spec.Name, "key", fmt.Sprintf("notify.destinations[%d].projects[%d]", i, j), "project", ref)
				continue
			}
			pd := d
			pd.ProjectID = id
			ds = append(ds, &pd)
		}
	}
	if err := store.SyncConfigDestinations(ctx, ds); err != nil {
		code := exitDatabase
		if c := core.ErrorCode(err); c == core.ECONFLICT || c == core.EINVALID {
			code = exitConfig
		}
		return withCode(code, fmt.Errorf("notify.destinations: %s", describe(err)))
	}
	if len(specs) > 0 {
		logger.Info("notification destinations from config.yaml", "destinations", len(specs), "stored", len(ds))
	}
	return nil
}

// describe renders a core error as "field: message", or err's text.
func describe(err error) string {
	var ce *core.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	if ce.Field != "" {
		return ce.Field + ": " + ce.Message
	}
	return ce.Message
}
