package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// projectCmd is `periscope project ...`: its verbs in the order help lists them.
var projectCmd = &resource{name: "project", note: apiNote, verbs: []subcommand{
	{"create --name NAME [--rate-limit N] [--retention-days N]", "create a project and print its DSN (through the running server; on the database directly when none answers)", runProjectCreate},
	{"list", "list the projects with their limits and DSNs", runProjectList},
	{"update ID [--name NAME] [--rate-limit N] [--retention-days N]", "rename a project or change its rate limit or retention", runProjectUpdate},
	{"delete ID", "delete a project: its keys stop at once, its data is purged in the background",
		idVerb("project delete", "project id", (*apiClient).deleteProject, func(w io.Writer, d *adminclient.Deletion) {
			fmt.Fprintf(w, "Deleted project %d: its keys no longer work; its data is being removed in the background.\n", d.ID)
		})},
}}

func runProjectList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("project list", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "periscope project list"); err != nil {
		return err
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	ps, err := c.ListProjects(ctx)
	return c.show(stdout, adminclient.ProjectList{Projects: ps}, err, func() { printProjects(stdout, ps) })
}

// printProjects writes projects as a table.
func printProjects(stdout io.Writer, ps []*adminclient.Project) {
	var rows [][]string
	for _, p := range ps {
		dsn := "-"
		if len(p.Keys) > 0 {
			dsn = p.Keys[0].DSN
		}
		rows = append(rows, []string{strconv.FormatInt(p.ID, 10), p.Name, limit(p.RateLimit), keptFor(p), strconv.Itoa(len(p.Keys)), dsn})
	}
	table(stdout, "ID\tNAME\tRATE LIMIT\tRETENTION\tKEYS\tDSN", rows)
}

func limit(perMinute int) string {
	if perMinute == 0 {
		return "none"
	}
	return strconv.Itoa(perMinute) + "/min"
}

// keptFor describes how long a project's events are kept.
func keptFor(p *adminclient.Project) string {
	d := "forever"
	if p.EffectiveRetentionDays > 0 {
		d = strconv.Itoa(p.EffectiveRetentionDays) + "d"
	}
	if p.RetentionDays == 0 {
		d += " (default)"
	}
	return d
}

func runProjectUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("project update", stderr)
	name := fs.String("name", "", "new name")
	rate := fs.Int("rate-limit", -1, "accepted events per minute for the project (0: none)")
	retention := fs.Int("retention-days", -1, "days to keep events (0: the server's default)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "periscope project update ID [--name NAME] [--rate-limit N] [--retention-days N]"); err != nil {
		return err
	}
	id, err := idArg(pos[0], "project id")
	if err != nil {
		return err
	}
	var upd core.ProjectUpdate
	if *name != "" {
		upd.Name = name
	}
	if *rate >= 0 {
		upd.RateLimit = rate
	}
	if *retention >= 0 {
		upd.RetentionDays = retention
	}
	if upd == (core.ProjectUpdate{}) {
		return withCode(exitUsage, fmt.Errorf("nothing to change: give --name, --rate-limit or --retention-days"))
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	p, err := c.UpdateProject(ctx, id, upd)
	return c.show(stdout, p, err, func() {
		fmt.Fprintf(stdout, "Project %d: name %q, rate limit %s, retention %s.\n", p.ID, p.Name, limit(p.RateLimit), keptFor(p))
	})
}

// keyCmd is `periscope key ...`: its verbs in the order help lists them.
var keyCmd = &resource{name: "key", note: apiNote, verbs: []subcommand{
	{"create --project ID [--label LABEL] [--rate-limit N]", "create another key (DSN) for a project", runKeyCreate},
	{"list --project ID", "list a project's keys, revoked ones included",
		projectVerb("key list", (*apiClient).listKeys, printKeys)},
	{"update --project ID KEY [--label LABEL] [--rate-limit N]", "change a key's label or rate limit", runKeyUpdate},
	{"revoke --project ID KEY", "revoke a key: events sent with it are refused", runKeyRevoke},
}}

// projectFlag registers the required --project flag.
func projectFlag(fs interface {
	Int64(string, int64, string) *int64
}) *int64 {
	return fs.Int64("project", 0, "project id (required)")
}

// projectClient parses a project-scoped command that takes no positional
// argument, checks --project, and returns the API client.
// project is read after the flags are parsed.
func projectClient(fs *flag.FlagSet, af *apiFlags, project *int64, args []string, usage string) (*apiClient, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	if err := needArgs(pos, 0, usage); err != nil {
		return nil, err
	}
	if err := needProject(*project); err != nil {
		return nil, err
	}
	return af.client()
}

// idClient parses a command that takes one numeric id argument and
// returns the API client and the id.
func idClient(fs *flag.FlagSet, af *apiFlags, args []string, usage, what string) (*apiClient, int64, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, 0, err
	}
	if err := needArgs(pos, 1, usage); err != nil {
		return nil, 0, err
	}
	id, err := idArg(pos[0], what)
	if err != nil {
		return nil, 0, err
	}
	c, err := af.client()
	return c, id, err
}

func needProject(id int64) error {
	if id <= 0 {
		return withCode(exitUsage, fmt.Errorf("--project ID is required"))
	}
	return nil
}

func runKeyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("key create", stderr)
	project := projectFlag(fs)
	label := fs.String("label", "", "what the key is for")
	rate := fs.Int("rate-limit", 0, "accepted events per minute for the key (0: the server's default)")
	c, err := projectClient(fs, af, project, args, "periscope key create --project ID [--label LABEL] [--rate-limit N]")
	if err != nil {
		return err
	}
	k, err := c.CreateKey(ctx, *project, adminclient.KeyInput{Label: *label, RateLimit: *rate})
	return c.show(stdout, k, err, func() {
		fmt.Fprintf(stdout, "Created key %s for project %d.\nDSN: %s\n", k.PublicKey, k.ProjectID, k.DSN)
	})
}

// printKeys writes keys as a table.
func printKeys(stdout io.Writer, keys adminclient.KeyList) {
	var rows [][]string
	for _, k := range keys.Keys {
		state := "active"
		if k.RevokedAt != nil {
			state = "revoked " + when(k.RevokedAt)
		}
		rows = append(rows, []string{k.PublicKey, k.Label, limit(k.RateLimit), when(&k.CreatedAt), state, k.DSN})
	}
	table(stdout, "PUBLIC KEY\tLABEL\tRATE LIMIT\tCREATED\tSTATE\tDSN", rows)
}

func runKeyUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("key update", stderr)
	project := projectFlag(fs)
	label := fs.String("label", "", "new label")
	rate := fs.Int("rate-limit", -1, "accepted events per minute for the key (0: the server's default)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "periscope key update --project ID KEY [--label LABEL] [--rate-limit N]"); err != nil {
		return err
	}
	if err := needProject(*project); err != nil {
		return err
	}
	var upd core.KeyUpdate
	if *label != "" {
		upd.Label = label
	}
	if *rate >= 0 {
		upd.RateLimit = rate
	}
	if upd == (core.KeyUpdate{}) {
		return withCode(exitUsage, fmt.Errorf("nothing to change: give --label or --rate-limit"))
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	k, err := c.UpdateKey(ctx, *project, pos[0], upd)
	return c.show(stdout, k, err, func() {
		fmt.Fprintf(stdout, "Key %s: label %q, rate limit %s.\n", k.PublicKey, k.Label, limit(k.RateLimit))
	})
}

func runKeyRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("key revoke", stderr)
	project := projectFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "periscope key revoke --project ID KEY"); err != nil {
		return err
	}
	if err := needProject(*project); err != nil {
		return err
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	if err := c.RevokeKey(ctx, *project, pos[0]); err != nil {
		return apiErr(err)
	}
	if af.json {
		return printJSON(stdout, []byte(fmt.Sprintf(`{"revoked":%q}`, pos[0])))
	}
	fmt.Fprintf(stdout, "Revoked key %s: events sent with it are refused from now on.\n", pos[0])
	return nil
}

func (c *apiClient) deleteProject(ctx context.Context, id int64) (*adminclient.Deletion, error) {
	return c.DeleteProject(ctx, id)
}

func (c *apiClient) listKeys(ctx context.Context, project int64) (adminclient.KeyList, error) {
	keys, err := c.ListKeys(ctx, project)
	return adminclient.KeyList{Keys: keys}, err
}
