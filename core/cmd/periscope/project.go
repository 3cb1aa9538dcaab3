package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/service"
)

// runProjectCreate is `periscope project create`. With --url (or
// PERISCOPE_URL) it goes through that server's admin API. Without, it asks
// the server at the configured listen address, so that the DSN carries
// the server's own public URL; only when no Periscope answers there (or
// this shell has no admin key) does it create the project in the
// configured database directly, and then it says on stderr which public
// URL the DSN was built from, since the server's environment may differ.
func runProjectCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("project create", stderr)
	name := fs.String("name", "", "project name (required)")
	rate := fs.Int("rate-limit", 0, "accepted events per minute for the project (0: none)")
	retention := fs.Int("retention-days", 0, "days to keep events (0: the server's default, retention.days)")
	grouping := fs.String("grouping-config", "", "Sentry grouping configuration: newstyle:2023-01-11 or newstyle:2026-01-20 (default: the server's grouping.default_config)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "periscope project create --name NAME"); err != nil {
		return err
	}
	if *name == "" {
		return withCode(exitUsage, fmt.Errorf("--name is required"))
	}
	p := &core.Project{Name: *name, RateLimit: *rate, RetentionDays: *retention, GroupingConfig: *grouping}
	if err := p.Validate(); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s", core.ErrorMessage(err)))
	}
	if af.url == "" {
		c, err := loadConfig(af.config)
		if err != nil {
			return err
		}
		base := "http://" + localAddr(c.ListenAddr())
		key := af.key
		if key == "" {
			key = c.Admin.SecretKey
		}
		switch answers := periscopeAnswers(ctx, base); {
		case answers && key != "":
			af.url, af.key = base, key
		case answers:
			fmt.Fprintf(stderr, "warning: a Periscope server answers at %s, but this shell has no admin key (API_SECRET_KEY_ADMIN or admin.secret_key), so the project is created in the database directly.\n", base)
			return createInDatabase(ctx, c, p, af.json, stdout, stderr)
		default:
			fmt.Fprintf(stderr, "warning: no Periscope server answers at %s (the configured listen address), so the project is created in the database directly.\n", base)
			return createInDatabase(ctx, c, p, af.json, stdout, stderr)
		}
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	created, err := c.CreateProject(ctx, adminclient.ProjectInput{Name: p.Name, RateLimit: p.RateLimit, RetentionDays: p.RetentionDays, GroupingConfig: p.GroupingConfig})
	if err != nil {
		return apiErr(err)
	}
	if af.json {
		return writeJSON(stdout, created)
	}
	dsn := ""
	if len(created.Keys) > 0 {
		dsn = created.Keys[0].DSN
	}
	fmt.Fprintf(stdout, "Created project %q (id %d) through the server at %s.\nDSN: %s\n", created.Name, created.ID, c.BaseURL, dsn)
	return nil
}

// periscopeAnswers reports whether a Periscope server answers /healthz at
// base within two seconds.
func periscopeAnswers(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h struct {
		Status string `json:"status"`
	}
	return resp.StatusCode == 200 && json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&h) == nil && h.Status == "ok"
}

// createInDatabase creates p in the configured database (migrating it
// first) through the same use case as the admin API, builds the DSN from this shell's public URL, and says so on
// stderr.
func createInDatabase(ctx context.Context, c *config.Config, p *core.Project, asJSON bool, stdout, stderr io.Writer) error {
	in := service.CreateProjectInput{Name: p.Name, RateLimit: p.RateLimit, RetentionDays: p.RetentionDays, GroupingConfig: p.GroupingConfig}
	store, desc, err := openMigrated(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := service.New(store, nil)
	svc.DefaultGroupingConfig = c.Grouping.DefaultConfig
	p, err = svc.CreateProject(ctx, in)
	if err != nil {
		if core.ErrorCode(err) == core.ECONFLICT {
			return withCode(exitConflict, fmt.Errorf("a project named %q already exists", in.Name))
		}
		return err
	}
	base := c.PublicURL()
	for _, k := range p.Keys {
		k.DSN = core.DSN(base, k)
	}
	fmt.Fprintf(stderr, "warning: the DSN below uses the public URL %s of this shell's configuration (%s). If the server runs with another address or server.public_url (PERISCOPE_PUBLIC_URL, HOST, PORT), use the DSN that 'periscope project list' prints against it.\n", base, configSource(c))
	if asJSON {
		days := p.RetentionDays
		if days == 0 {
			days = c.Retention.Days
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			*core.Project
			EffectiveRetentionDays int `json:"effective_retention_days"`
		}{p, days})
	}
	fmt.Fprintf(stdout, "Created project %q (id %d) in %s.\nDSN: %s\n", p.Name, p.ID, desc, p.Keys[0].DSN)
	return nil
}

// configSource names where a configuration came from.
func configSource(c *config.Config) string {
	if c.Path == "" {
		return "defaults and environment"
	}
	return c.Path + " and environment"
}
