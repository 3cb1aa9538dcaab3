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

// newGrouper loads the grouping rules from the configuration file (the
// grouping: section, and the files it names). An invalid rule stops
// start-up with its file, line and column.
func newGrouper(c *config.Config, logger *slog.Logger) (*rules.Holder, error) {
	if c.Path == "" {
		return rules.NewHolder(nil), nil
	}
	return rules.NewFileHolder(c.Path, logger)
}

// watchRules reloads the rules when their files change or on SIGHUP,
// until ctx is done. A bad new file keeps the old rules (and /readyz says
// why).
func watchRules(ctx context.Context, h *rules.Holder, path string, logger *slog.Logger) {
	if path == "" {
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
				logger.Info("SIGHUP: reloading grouping rules", "file", path)
				_ = h.Reload()
			}
		}
	}()
}
