package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// errPostgresBackup explains the Postgres procedure, which is Postgres'
// own tools (README, "Backups").
var errPostgresBackup = errors.New("database.postgres is enabled: back up Postgres with its own tools " +
	"(pg_dump --format=custom, restored with pg_restore; see README, Backups); " +
	"periscope backup and restore copy a SQLite database")

// runBackup writes a consistent copy of the SQLite database, even while a
// server writes to it (VACUUM INTO), and checks it.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	cfgPath := configFlag(fs)
	to := fs.String("to", "", "file to write the copy to; it must not exist (required)")
	c, err := backupConfig(fs, args, cfgPath)
	if err != nil {
		return err
	}
	if *to == "" {
		return withCode(exitUsage, errors.New("--to FILE is required (see 'periscope backup --help')"))
	}
	if err := sqlite.Backup(ctx, c.Database.SQLite.Path, *to); err != nil {
		return withCode(exitDatabase, err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s (integrity checked)\n", c.Database.SQLite.Path, *to)
	return nil
}

// runRestore checks a backup and puts it in place of the SQLite database;
// the server must be stopped.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	cfgPath := configFlag(fs)
	from := fs.String("from", "", "backup file written by periscope backup (required)")
	force := fs.Bool("force", false, "replace an existing database (stop the server first)")
	c, err := backupConfig(fs, args, cfgPath)
	if err != nil {
		return err
	}
	if *from == "" {
		return withCode(exitUsage, errors.New("--from FILE is required (see 'periscope restore --help')"))
	}
	versions, err := sqlite.Check(ctx, *from)
	if err != nil {
		return withCode(exitDatabase, fmt.Errorf("%s is not a usable backup: %w", *from, err))
	}
	if err := sqlite.Restore(ctx, *from, c.Database.SQLite.Path, *force); err != nil {
		return withCode(exitDatabase, err)
	}
	fmt.Fprintf(stdout, "restored %s from %s (schema version %d, integrity checked); start the server to apply newer migrations\n",
		c.Database.SQLite.Path, *from, versions[len(versions)-1])
	return nil
}

// backupConfig parses the flags and loads the configuration, refusing
// Postgres.
func backupConfig(fs *flag.FlagSet, args []string, cfgPath *string) (*config.Config, error) {
	c, err := parseConfigFlags(fs, args, cfgPath)
	if err != nil {
		return nil, err
	}
	if c.Database.Postgres.Enabled {
		return nil, withCode(exitUsage, errPostgresBackup)
	}
	return c, nil
}
