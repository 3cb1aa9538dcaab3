package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/postgres"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// migratingStore is a Store that can apply its migrations.
type migratingStore interface {
	core.Store
	Migrate(ctx context.Context) error
}

// loadConfig reads the configuration named by --config (required to exist
// when given) or ./config.yaml (optional).
func loadConfig(path string) (*config.Config, error) {
	required := path != ""
	if path == "" {
		path = "config.yaml"
	}
	c, err := withChecks(config.Load(path, required))
	if err != nil {
		return nil, withCode(exitConfig, err)
	}
	return c, nil
}

// parseConfigFlags parses a command's flags from args and loads the
// configuration its --config flag (cfgPath, from configFlag) names.
func parseConfigFlags(fs *flag.FlagSet, args []string, cfgPath *string) (*config.Config, error) {
	if _, err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return loadConfig(*cfgPath)
}

// newLogger builds the process logger (stderr).
func newLogger(c *config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToLower(c.Log.Level)))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// openStore opens the configured database without migrating it; the
// store reports to log what fails beside a request (nil: slog.Default()).
func openStore(ctx context.Context, c *config.Config, log *slog.Logger) (migratingStore, string, error) {
	if log == nil {
		log = slog.Default()
	}
	if c.Database.Postgres.Enabled {
		url := c.PostgresURL()
		db, err := postgres.Open(ctx, url, postgres.WithLogger(log))
		if err != nil {
			return nil, "", withCode(exitDatabase, fmt.Errorf("cannot use Postgres at %s: %w\n  (check POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DATABASE, or set POSTGRES_ENABLED=false for SQLite)", redact(url), err))
		}
		return db, "postgres " + redact(url), nil
	}
	db, err := sqlite.Open(ctx, c.Database.SQLite.Path, sqlite.WithSynchronous(c.SQLiteSynchronous()), sqlite.WithLogger(log))
	if err != nil {
		return nil, "", withCode(exitDatabase, fmt.Errorf("cannot open SQLite database %s: %w", c.Database.SQLite.Path, err))
	}
	return db, "sqlite " + c.Database.SQLite.Path, nil
}

// openMigrated opens the configured database and brings its schema up to
// date, for a command that uses it without a server; desc names it. On an
// error nothing is left open.
func openMigrated(ctx context.Context, c *config.Config) (migratingStore, string, error) {
	store, desc, err := openStore(ctx, c, nil)
	if err != nil {
		return nil, "", err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, "", withCode(exitDatabase, fmt.Errorf("migrating %s: %w", desc, err))
	}
	return store, desc, nil
}

// redact hides the password of a database URL.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return url
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return url
	}
	return scheme + "://" + user + ":xxxxx@" + rest[at+1:]
}
