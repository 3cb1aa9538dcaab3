package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/rules"
)

// newGrouper compiles the grouping section of the configuration (defaults,
// file and environment, as config.Parse merged them) and the files it
// names. An invalid rule stops start-up with its file, line and column.
// Reloads read the configuration file again with the same environment.
func newGrouper(c *config.Config, logger *slog.Logger) (*rules.Holder, error) {
	cur := c
	return rules.NewLoaderHolder(func() (*rules.Engine, error) {
		if cur == nil {
			nc, err := withChecks(c.Reload())
			if err != nil {
				return nil, err
			}
			cur = nc
		}
		e, err := rules.Load(groupingConfig(cur))
		cur = nil // the next load reads the file again
		return e, err
	}, logger)
}

// groupingConfig turns the grouping.* values into the rule engine's
// configuration. Values that are the file's keep their positions in it,
// so a bad expression is reported at its line and column.
func groupingConfig(c *config.Config) rules.Config {
	g := c.Grouping
	rc := rules.Config{
		RulesFile:       g.RulesFile,
		SentryRules:     g.SentryRules,
		SentryRulesFile: g.SentryRulesFile,
		StackRules:      g.StackRules,
		GroupingConfig:  g.DefaultConfig,
		File:            c.Path,
	}
	for _, r := range g.Rules {
		rc.Rules = append(rc.Rules, rules.RuleConfig{Name: r.Name, When: r.When, Fingerprint: r.Fingerprint, Title: r.Title})
	}
	if len(c.Raw) > 0 {
		if fromFile, err := rules.ParseConfig(c.Raw, c.Path); err == nil {
			rc.TakePositions(fromFile)
		}
	}
	return rc
}

// watchRules reloads the rules when their files change or on SIGHUP,
// until ctx is done. A bad new file keeps the old rules (and /readyz says
// why).
func watchRules(ctx context.Context, h *rules.Holder, logger *slog.Logger) {
	if e := h.Engine(); e == nil || len(e.Files()) == 0 {
		return
	}
	go func() {
		if err := h.Watch(ctx, 200*time.Millisecond); err != nil && ctx.Err() == nil {
			logger.Warn("grouping rules will not reload on file changes", "err", err)
		}
	}()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				logger.Info("SIGHUP: reloading grouping rules", "files", h.Engine().Files())
				_ = h.Reload()
			}
		}
	}()
}
