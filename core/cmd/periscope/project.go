package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/periscope-hq/periscope/core"
)

func runProject(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return withCode(exitUsage, fmt.Errorf("usage: periscope project create --name NAME [--json]"))
	}
	fs := flag.NewFlagSet("project create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	name := fs.String("name", "", "project name (required)")
	asJSON := fs.Bool("json", false, "print the project as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return withCode(exitUsage, err)
	}
	if *name == "" {
		return withCode(exitUsage, fmt.Errorf("--name is required"))
	}
	c, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	store, desc, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return withCode(exitDatabase, fmt.Errorf("migrating %s: %w", desc, err))
	}
	p := &core.Project{Name: *name}
	if err := p.Validate(); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s", core.ErrorMessage(err)))
	}
	if err := store.CreateProject(ctx, p); err != nil {
		if core.ErrorCode(err) == core.ECONFLICT {
			return fmt.Errorf("a project named %q already exists", *name)
		}
		return err
	}
	base := c.PublicURL()
	for _, k := range p.Keys {
		k.DSN = core.DSN(base, k)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprintf(stdout, "Created project %q (id %d).\nDSN: %s\n", p.Name, p.ID, p.Keys[0].DSN)
	return nil
}
